"""What every probe shares: its configuration, its call context, and how it builds Evidence."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dropwizard.errors import InputError
from dropwizard.evidence import Evidence, Status, cap_text, utc_now_iso
from dropwizard.probes.host import ROOT_HINT, Host, RunResult, install_hint

SOFTSWITCH_CONF = "/home/kunshi/mbx3000/etc/softswitch.conf"
CONFIG_FILES = (
    SOFTSWITCH_CONF,
    "/home/kunshi/vos3000/etc/server.conf",
    "/home/kunshi/vos3000/server/etc/server.conf",
    "/home/kunshi/mediarecord/etc/mediarecord.conf",
    "/usr/kunshi/mbx2009/etc/softswitch.conf",
)
LOG_DIRS = ("/home/kunshi/mbx3000/log", "/home/kunshi/mbx3000/logbak", "/var/log/vos3000")
LOG_PATTERNS: dict[str, list[str]] = {
    "route_changes": [
        r"\broute\b.*\b(change|switch|next|select|fail)",
        r"\b(switch|change)\w*\s+(to\s+)?(another\s+|next\s+|new\s+)?(route|gateway)",
        r"\brouting\b",
    ],
    "failovers": [r"fail[- ]?over", r"\bbackup\s+(route|gateway)", r"\bnext\s+(route|gateway)"],
    "errors": [r"\berror\b", r"\bfatal\b", r"\bfailed\b", r"\bexception\b"],
}
SERVICES: dict[str, list[str]] = {
    "mbx3000d": ["mbx3000", "/home/kunshi/mbx3000/"],
    "vos3000d": ["vos3000", "vos3000d", "/home/kunshi/vos3000/"],
    "empd": ["emp", "empd", "/home/kunshi/emp/"],
    "mysql": ["mysqld", "mariadbd", "mysqld_safe"],
}
"""Service -> how its processes look: a name matches /proc/PID/comm; a path (with `/`) matches the
program (argv[0]) or, for a Java daemon, any of its arguments."""
SERVICE_ALIASES: dict[str, list[str]] = {"mysql": ["mysql", "mysqld", "mariadb"]}
GUIDE_RTP_RANGE = (10000, 60000)
DEFAULT_SIP_PORTS = (5060, 6060)


def _float(section: Mapping[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"config [probes] {key} = {value!r}: expected a number") from None


def _strs(section: Mapping[str, Any], key: str, default: tuple[str, ...]) -> list[str]:
    value = section.get(key)
    if value is None:
        return list(default)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputError(f"config [probes] {key}: expected a list of strings")


@dataclass
class ProbeConfig:
    """The `[probes]` section of the config file, with defaults for a stock VOS3000 host."""

    root: str = "/"
    timeout: float = 10.0
    max_output: int = 256 * 1024
    softswitch_conf: str = SOFTSWITCH_CONF
    config_files: list[str] = field(default_factory=lambda: list(CONFIG_FILES))
    log_dirs: list[str] = field(default_factory=lambda: list(LOG_DIRS))
    log_tail_bytes: int = 256 * 1024
    log_max_files: int = 4
    log_patterns: dict[str, list[str]] = field(default_factory=lambda: dict(LOG_PATTERNS))
    rtp_range: tuple[int, int] | None = None
    sip_ports: list[int] | None = None
    services: dict[str, list[str]] = field(default_factory=lambda: dict(SERVICES))
    database: str | None = None
    long_query_s: float = 60.0
    load_per_core: float = 2.0
    mem_available_share: float = 0.10
    disk_free_share: float = 0.10
    rtp_usage_share: float = 0.80
    udp_sample_s: float = 0.5
    sip_options_attempts: int = 3
    sip_options_interval: float = 2.0
    capture_seconds: float = 10.0
    capture_count: int = 20000
    interface: str = "any"
    rtp_snaplen: int = 128
    rtp_stop_s: float = 5.0
    flood_seconds: float = 5.0
    flood_pps: float = 50.0
    capture_dir: str | None = None
    keep_flood_capture: bool = False

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> ProbeConfig:
        """Read the config file's `[probes]` table; unknown keys are ignored."""
        from dropwizard.probes.validate import parse_port_range, parse_ports

        s = dict(section or {})
        cfg = cls()
        cfg.root = str(s.get("root", cfg.root))
        for key in (
            "timeout",
            "long_query_s",
            "load_per_core",
            "mem_available_share",
            "disk_free_share",
            "rtp_usage_share",
            "udp_sample_s",
            "sip_options_interval",
            "capture_seconds",
            "rtp_stop_s",
            "flood_seconds",
            "flood_pps",
        ):
            setattr(cfg, key, _float(s, key, getattr(cfg, key)))
        for key in (
            "max_output",
            "log_tail_bytes",
            "log_max_files",
            "sip_options_attempts",
            "capture_count",
            "rtp_snaplen",
        ):
            setattr(cfg, key, int(_float(s, key, getattr(cfg, key))))
        for key in ("softswitch_conf", "database", "interface", "capture_dir"):
            if s.get(key) is not None:
                setattr(cfg, key, str(s[key]))
        if s.get("keep_flood_capture") is not None:
            cfg.keep_flood_capture = bool(s["keep_flood_capture"])
        cfg.config_files = _strs(s, "config_files", tuple(cfg.config_files))
        if cfg.softswitch_conf not in cfg.config_files:
            cfg.config_files.insert(0, cfg.softswitch_conf)
        cfg.log_dirs = _strs(s, "log_dirs", tuple(cfg.log_dirs))
        if s.get("rtp_range") is not None:
            cfg.rtp_range = parse_port_range(s["rtp_range"], "config [probes] rtp_range")
        if s.get("sip_ports") is not None:
            cfg.sip_ports = parse_ports(s["sip_ports"], "config [probes] sip_ports")
        pats = s.get("log_patterns")
        if pats is not None:
            if not isinstance(pats, dict):
                raise InputError("config [probes] log_patterns: expected a table of lists")
            merged = dict(cfg.log_patterns)
            for k, v in pats.items():
                merged[str(k)] = [v] if isinstance(v, str) else [str(x) for x in v]
            cfg.log_patterns = merged
        for kind, pats_ in cfg.log_patterns.items():
            for p in pats_:
                try:
                    re.compile(p)
                except re.error as exc:
                    raise InputError(
                        f"config [probes] log_patterns.{kind}: bad regular expression {p!r} ({exc})"
                    ) from None
        svc = s.get("services")
        if svc is not None:
            if isinstance(svc, list):
                cfg.services = {str(n): SERVICES.get(str(n), [str(n).rstrip("d")]) for n in svc}
            elif isinstance(svc, dict):
                cfg.services = {
                    str(n): [v] if isinstance(v, str) else [str(x) for x in v]
                    for n, v in svc.items()
                }
            else:
                raise InputError("config [probes] services: expected a list or a table")
        return cfg


@dataclass
class ProbeContext:
    """What one probe call sees: the host, the configuration and the call's parameters."""

    host: Host
    config: ProbeConfig = field(default_factory=ProbeConfig)
    params: dict[str, Any] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)
    source_spec: str | None = None
    app_config: Any = None

    def param(self, key: str, default: Any = None) -> Any:
        value = self.params.get(key)
        return default if value is None else value

    def run(self, argv: list[str], timeout: float | None = None, **kw: Any) -> RunResult:
        return self.host.run(argv, timeout or self.config.timeout, self.config.max_output, **kw)


@dataclass
class Result:
    """A probe's outcome before it becomes Evidence."""

    status: Status
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)
    raw: str = ""


ProbeFn = Callable[[ProbeContext], Result]


def skipped_missing(binary: str, host: Host | None = None, **kw: Any) -> Result:
    hint = host.why_missing(binary) if host is not None else install_hint(binary)
    return Result(Status.SKIPPED, hint, advice=[hint], **kw)


def skipped_root(what: str, **kw: Any) -> Result:
    return Result(Status.SKIPPED, f"{ROOT_HINT} ({what})", advice=[ROOT_HINT], **kw)


def worst(*statuses: Status) -> Status:
    """The most serious of several statuses (fail > warn > ok)."""
    order = [Status.FAIL, Status.ERROR, Status.WARN, Status.OK, Status.SKIPPED]
    for s in order:
        if s in statuses:
            return s
    return Status.OK


def apply_overrides(pc: ProbeContext) -> None:
    """`rtp_range` and `sip_ports` parameters replace the configured ones for every probe."""
    from dataclasses import replace

    from dropwizard.probes.validate import parse_port_range, parse_ports

    if pc.params.get("rtp_range") is not None:
        rng = parse_port_range(pc.params["rtp_range"], "--rtp-range")
        pc.config = replace(pc.config, rtp_range=rng)
    if pc.params.get("sip_ports") is not None:
        pc.config = replace(pc.config, sip_ports=parse_ports(pc.params["sip_ports"], "--sip-ports"))


def execute(name: str, asked: str, fn: ProbeFn, pc: ProbeContext) -> Evidence:
    """Run one probe and wrap its Result (or a user input error) into Evidence."""
    started = utc_now_iso()
    t0 = time.perf_counter()
    try:
        apply_overrides(pc)
        res = fn(pc)
    except InputError as exc:
        res = Result(Status.ERROR, exc.message)
    duration = round((time.perf_counter() - t0) * 1000, 3)
    return Evidence(
        name=f"probe.{name}",
        kind="probe",
        asked=asked,
        status=res.status,
        summary=res.summary,
        facts=res.facts,
        data={"host": pc.host.name, **res.data},
        advice=res.advice,
        raw=cap_text(res.raw),
        started_at=started,
        duration_ms=duration,
    )


def kernel_release(host: Host) -> str | None:
    """`uname -r` of the host, from /proc/sys/kernel/osrelease (or uname)."""
    text = host.try_read("/proc/sys/kernel/osrelease", 256)
    if text and text.strip():
        return text.strip()
    res = host.run(["uname", "-r"], 5.0, 4096)
    return res.stdout.strip() if res.ok and res.stdout.strip() else None


def kernel_version(release: str | None) -> tuple[int, int] | None:
    """(major, minor) of a kernel release string such as `3.10.0-957.el7.x86_64`."""
    if not release:
        return None
    m = re.match(r"(\d+)\.(\d+)", release)
    return (int(m.group(1)), int(m.group(2))) if m else None


def read_int(host: Host, path: str) -> int | None:
    text = host.try_read(path, 256)
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None
