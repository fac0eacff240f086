"""`dropwizard probe`: run the local probes and print their evidence as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dropwizard.errors import EXIT_OK, EXIT_THRESHOLD, InputError
from dropwizard.evidence import Evidence, Status

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim", "error": "magenta"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    from dataclasses import fields

    from dropwizard.probes.base import ProbeConfig
    from dropwizard.probes.gatherers import PROBES

    names = ", ".join(PROBES)
    keys = ", ".join(f.name for f in fields(ProbeConfig))
    p = sub.add_parser(
        "probe",
        help="check this host: conntrack, firewall, services, database, logs, SIP, RTP",
        description=(
            f"Run read-only, bounded probes on this host. Probes: {names}. Without NAME, every "
            "probe except the captures and sip_options runs; --target adds sip_options, "
            "--endpoint adds rtp_flow."
        ),
        epilog=f"Config file [probes] keys: {keys}.",
    )
    p.add_argument(
        "names", nargs="*", metavar="NAME", help="probes to run (default: all local ones)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--target", metavar="HOST[:PORT]", help="SIP peer for sip_options")
    p.add_argument("--endpoint", metavar="IP", help="media endpoint for rtp_flow")
    p.add_argument("--interface", metavar="IF", help="capture interface (default: any)")
    p.add_argument("--seconds", type=float, metavar="N", help="capture length in seconds")
    p.add_argument(
        "--rtp-range", metavar="LOW-HIGH", help="RTP port range (default: from the config)"
    )
    p.add_argument(
        "--sip-ports", metavar="P[,P]", help="SIP ports (default: SS_SIP_PORT or 5060,6060)"
    )
    p.add_argument("--root", metavar="DIR", help="a directory or saved snapshot standing in for /")
    p.add_argument("--source", metavar="SRC", help="CDR database for the database probe")
    p.add_argument("--pcap", metavar="FILE", help="analyse this capture instead of capturing")
    p.add_argument(
        "--save-snapshot",
        metavar="DIR",
        help="also save what the probes read and ran as a snapshot for --root DIR (review it "
        "before sharing: config files may hold secrets)",
    )
    p.add_argument(
        "--fail-on", choices=("fail", "warn"), help="exit 1 when a probe reaches this status"
    )
    p.add_argument("--list", action="store_true", help="list the probes and exit")


def select(names: list[str], args: argparse.Namespace) -> list[str]:
    """The probes to run: the named ones, else the local ones plus what --target/--endpoint ask for."""
    from dropwizard.probes.gatherers import PROBES

    if names:
        out: list[str] = []
        for raw in names:
            name = raw.removeprefix("probe.")
            if name not in PROBES:
                raise InputError(f"unknown probe {raw!r}: choose from {', '.join(PROBES)}")
            if name not in out:
                out.append(name)
        return out
    chosen = [n for n, spec in PROBES.items() if not spec.live]
    if args.target:
        chosen.append("sip_options")
    if args.endpoint:
        chosen.append("rtp_flow")
    return chosen


def validate(args: argparse.Namespace, host: Any) -> dict[str, Any]:
    """Check the user-given values before any probe runs; one-line InputError on a bad one."""
    from dropwizard.probes.tcpdump import MAX_SECONDS
    from dropwizard.probes.validate import (
        parse_interface,
        parse_ip,
        parse_port_range,
        parse_ports,
        parse_target,
    )

    params: dict[str, Any] = {}
    if args.target:
        host_, port = parse_target(args.target)
        params["target"] = f"[{host_}]:{port}" if ":" in host_ else f"{host_}:{port}"
    if args.endpoint:
        params["endpoint"] = str(parse_ip(args.endpoint, "endpoint address"))
    if args.interface:
        try:
            known = host.list_dir("/sys/class/net")
        except OSError:
            known = None
        params["interface"] = parse_interface(args.interface, known)
    if args.seconds is not None:
        if not 1 <= args.seconds <= MAX_SECONDS:
            raise InputError(f"--seconds {args.seconds:g}: give 1 to {MAX_SECONDS:g} seconds")
        params["seconds"] = args.seconds
    if args.rtp_range:
        lo, hi = parse_port_range(args.rtp_range, "--rtp-range")
        params["rtp_range"] = f"{lo}-{hi}"
    if args.sip_ports:
        params["sip_ports"] = parse_ports(args.sip_ports, "--sip-ports")
    if args.source:
        params["source"] = args.source
    if args.pcap:
        from dropwizard.probes.tcpdump import given_path

        local = given_path(host, args.pcap)
        if local is not None and not local.is_file():
            raise InputError(
                f"--pcap {args.pcap}: no such file on {host.name} ({local}); give a pcap/pcapng "
                "capture file"
            )
        params["pcap"] = args.pcap
    return params


def render_text(evidence: list[Evidence]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(show_lines=False, expand=False)
    table.add_column("probe", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("summary")
    table.add_column("time", justify="right", no_wrap=True)
    for ev in evidence:
        st = ev.status.value
        table.add_row(
            ev.name.removeprefix("probe."),
            f"[{STYLES.get(st, '')}]{st}[/]",
            ev.summary,
            f"{ev.duration_ms / 1000:.1f}s",
        )
    console.print(table)
    for ev in evidence:
        if ev.status in (Status.WARN, Status.FAIL, Status.SKIPPED, Status.ERROR) and ev.advice:
            console.print(f"\n[bold]{ev.name.removeprefix('probe.')}[/]", markup=True)
            for line in ev.advice:
                console.print(f"  {line}", markup=False, soft_wrap=True)


def run(args: argparse.Namespace) -> int:
    from dropwizard.config import load_config
    from dropwizard.probes.gatherers import PROBES, probe_config, run_probe
    from dropwizard.probes.host import open_host

    if args.list:
        for name, spec in PROBES.items():
            doc = (spec.fn.__doc__ or "").strip().splitlines()[0]
            print(f"{name:12} {'(live) ' if spec.live else ''}{doc}")
        return EXIT_OK
    names = select(list(args.names), args)
    app_config = load_config()
    cfg = probe_config(app_config)
    if args.root:
        cfg.root = args.root
    host = open_host(cfg.root)
    params = validate(args, host)
    recorder = None
    if args.save_snapshot:
        from dropwizard.probes.host import RecordingHost

        target = Path(args.save_snapshot).expanduser()
        if target.exists() and any(target.iterdir()):
            raise InputError(f"--save-snapshot {target}: directory is not empty (choose a new one)")
        recorder = RecordingHost(host, target)
        host = recorder
    evidence = [
        run_probe(n, host=host, config=cfg, params=params, app_config=app_config) for n in names
    ]
    if recorder is not None:
        saved = recorder.save()
        print(
            f"snapshot saved to {saved.parent} (replay: dropwizard probe --root {saved.parent})",
            file=sys.stderr,
        )
    if args.format == "json":
        json.dump([e.to_dict() for e in evidence], sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        render_text(evidence)
    if args.fail_on:
        bad = {Status.FAIL} if args.fail_on == "fail" else {Status.FAIL, Status.WARN}
        if any(e.status in bad for e in evidence):
            return EXIT_THRESHOLD
    return EXIT_OK
