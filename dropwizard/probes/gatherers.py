"""The `probe.<name>` gatherers: every probe, wrapped for the gatherer registry and the CLI."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dropwizard.evidence import Evidence
from dropwizard.gather import GatherContext, Registry
from dropwizard.probes import (
    conntrack,
    database,
    firewall,
    resources,
    rtp_flow,
    rtp_ports,
    services,
    sip_alg,
    sip_capture,
    sip_flood,
    sip_options,
    vos_config,
    vos_logs,
)
from dropwizard.probes.base import ProbeConfig, ProbeContext, ProbeFn, execute
from dropwizard.probes.host import Host, open_host


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    fn: ProbeFn
    asked: str
    live: bool = False
    """Captures and network probes: run only when asked or when a target/endpoint is given."""
    needs: str | None = None
    """The parameter that makes a live probe worth running by default."""


PROBES: dict[str, ProbeSpec] = {
    p.name: p
    for p in (
        ProbeSpec(
            "conntrack",
            conntrack.probe,
            "/proc/sys/net/netfilter/nf_conntrack_udp_timeout*, sysctl.conf",
        ),
        ProbeSpec(
            "sip_alg", sip_alg.probe, "/proc/modules, /sys/module, iptables-save, nft list ruleset"
        ),
        ProbeSpec(
            "firewall", firewall.probe, "iptables-save -c, ip6tables-save -c, nft list ruleset"
        ),
        ProbeSpec("services", services.probe, "systemctl show / init scripts / /proc"),
        ProbeSpec("database", database.probe, "SELECT 1, SHOW TABLE STATUS, SHOW FULL PROCESSLIST"),
        ProbeSpec(
            "resources", resources.probe, "/proc/loadavg, meminfo, net/snmp, net/dev, statvfs"
        ),
        ProbeSpec("rtp_ports", rtp_ports.probe, "/proc/net/udp, /proc/net/udp6"),
        ProbeSpec("vos_config", vos_config.probe, "/home/kunshi/mbx3000/etc/softswitch.conf"),
        ProbeSpec("vos_logs", vos_logs.probe, "tail of /home/kunshi/mbx3000/log/*"),
        ProbeSpec(
            "sip_options", sip_options.probe, "SIP OPTIONS over UDP", live=True, needs="target"
        ),
        ProbeSpec(
            "rtp_flow",
            rtp_flow.probe,
            "tcpdump host ENDPOINT and udp portrange",
            live=True,
            needs="endpoint",
        ),
        ProbeSpec(
            "sip_capture", sip_capture.probe, "tcpdump on the SIP ports", live=True, needs="target"
        ),
        ProbeSpec(
            "sip_flood", sip_flood.probe, "tcpdump on the SIP ports (packet rate)", live=True
        ),
    )
}
PARAM_KEYS = (
    "target",
    "endpoint",
    "interface",
    "seconds",
    "pcap",
    "source",
    "rtp_range",
    "sip_ports",
    "attempts",
    "interval",
    "log_dirs",
)


def probe_config(app_config: Any) -> ProbeConfig:
    section = app_config.section("probes") if app_config is not None else {}
    return ProbeConfig.from_section(section)


def run_probe(
    name: str,
    *,
    host: Host | None = None,
    config: ProbeConfig | None = None,
    params: Mapping[str, Any] | None = None,
    cancel: threading.Event | None = None,
    source_spec: str | None = None,
    app_config: Any = None,
) -> Evidence:
    """Run one probe by name (without the `probe.` prefix) and return its Evidence."""
    spec = PROBES[name]
    cfg = config or probe_config(app_config)
    pc = ProbeContext(
        host=host or open_host(cfg.root),
        config=cfg,
        params={k: v for k, v in dict(params or {}).items() if v is not None},
        cancel=cancel or threading.Event(),
        source_spec=source_spec,
        app_config=app_config,
    )
    return execute(name, spec.asked, spec.fn, pc)


def _gatherer(name: str) -> Any:
    def gather(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
        merged = {k: ctx.params.get(k) for k in PARAM_KEYS if ctx.params.get(k) is not None}
        if ctx.capture_path and PROBES[name].live and name != "sip_options":
            merged["capture_file"] = ctx.capture_path
        merged.update({k: v for k, v in params.items() if v is not None})
        return run_probe(
            name,
            host=ctx.host,
            params=merged,
            cancel=ctx.cancel,
            source_spec=ctx.source_spec,
            app_config=ctx.config,
        )

    gather.__doc__ = (PROBES[name].fn.__doc__ or name).strip().splitlines()[0]
    gather.__name__ = f"probe_{name}"
    return gather


def register(registry: Registry) -> None:
    """Register `probe.<name>` for every probe."""
    for name in PROBES:
        registry.add(f"probe.{name}", _gatherer(name))
