"""`dropwizard capture FILE [--format text|json] [--call CALL-ID]`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dropwizard.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "capture",
        help="analyse a pcap/pcapng capture: SIP calls, RTP streams, findings",
        description="Read a pcap or pcapng file (gzip too) and report its SIP calls, RTP streams, "
        "OPTIONS keepalives and the findings they support.",
    )
    p.add_argument("file", help="capture file (.pcap, .pcapng, optionally .gz)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--call", metavar="CALL-ID", help="only this call, with its ladder")
    p.add_argument(
        "--stop-threshold",
        type=float,
        default=None,
        metavar="S",
        help="seconds of silence before the end of a call that count as stopped media (2)",
    )


def run(args: argparse.Namespace) -> int:
    from dropwizard.capture import STOP_THRESHOLD_S, analyse_file

    threshold = args.stop_threshold if args.stop_threshold is not None else STOP_THRESHOLD_S
    if threshold <= 0:
        raise InputError("--stop-threshold must be a positive number of seconds")
    result = analyse_file(args.file, stop_threshold=threshold)
    data = result.to_dict()
    if args.call:
        call = result.call(args.call)
        if call is None:
            known = ", ".join(c["call_id"] for c in result.calls[:5]) or "none"
            raise InputError(
                f"{args.file}: no call with Call-ID {args.call!r} (calls: {known}); "
                "run without --call to list them"
            )
        data["calls"] = [call]
        data["findings"] = [
            f for f in data["findings"] if args.call in f.get("data", {}).get("call_ids", [])
        ]
    if args.format == "json":
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    render_text(data, ladders=bool(args.call) or len(data["calls"]) <= 3)
    return 0


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 140, soft_wrap=False)


def _short(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _clock(iso_text: str | None) -> str:
    return iso_text[11:23] if iso_text else "-"


def _media_cell(call: dict[str, Any]) -> str:
    out = []
    for d in ("caller->callee", "callee->caller"):
        m = call["media"].get(d, {})
        state = m.get("state", "none")
        if state == "stopped":
            out.append(f"stopped {m['stopped_before_end_s']:.1f}s")
        else:
            out.append(state)
    return " / ".join(out)


def render_text(data: dict[str, Any], *, ladders: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from dropwizard.capture.ladder import ladder

    con = _console()
    s = data["summary"]
    con.print(
        Text(
            f"{data['file']}: {s['format']} ({', '.join(s['link_types']) or '-'}), "
            f"{s['packets']} packets, {s['duration_s']} s, {s['sip_messages']} SIP messages, "
            f"{s['rtp_packets']} RTP and {s['rtcp_packets']} RTCP packets",
            style="bold",
        )
    )
    for w in data["warnings"]:
        con.print(Text(f"warning: {w}", style="yellow"))
    if data["calls"]:
        t = Table(title=f"Calls ({len(data['calls'])})", title_justify="left", expand=False)
        for col in (
            "Call-ID",
            "From",
            "To",
            "Setup",
            "Final",
            "PDD ms",
            "Talk s",
            "Ended by",
            "Media caller→ / ←callee",
            "Findings",
        ):
            t.add_column(col, overflow="fold")
        for c in data["calls"]:
            ended = "-"
            e = c["bye"] or c["cancel"]
            if e:
                ended = f"{'BYE' if c['bye'] else 'CANCEL'} {e['by'] or '?'}"
                if e["reason"]:
                    ended += f" {e['reason']}"
            final = (
                f"{c['final_status']}"
                if c["final_status"]
                else ("(partial)" if c["partial"] else "-")
            )
            if c["final_reason"]:
                final += f" ({_short(c['final_reason'], 18)})"
            t.add_row(
                _short(c["call_id"], 28),
                _short(c["from"], 22),
                _short(c["to"], 22),
                _clock(c["setup"]),
                final,
                f"{c['pdd_ms']:.0f}" if c["pdd_ms"] is not None else "-",
                f"{c['duration_s']:.1f}" if c["duration_s"] is not None else "-",
                _short(ended, 40),
                _media_cell(c) if c["answered"] or c["partial"] else "-",
                ", ".join(c["findings"]) or "-",
            )
        con.print(t)
    else:
        con.print("No SIP calls (INVITE dialogs) in this capture.")
    if ladders:
        for c in data["calls"]:
            con.print(Text(f"\nCall {c['call_id']}  {c['from']} → {c['to']}", style="bold"))
            st = c["session_timer"]
            if st:
                con.print(
                    f"  session timer {st['session_expires_s']} s, refresher "
                    f"{st['refresher'] or '-'}, Min-SE {st['min_se_s'] or '-'}, teardown due "
                    f"{_clock(st['teardown_at'])}"
                )
            for r in c["refreshes"]:
                con.print(
                    f"  refresh {r['method']} by {r['by']} at {_clock(r['at'])}: "
                    f"{'answered ' + str(r['status']) if r['answered'] else 'NOT answered'}"
                )
            for line in ladder(c):
                con.print(Text(line))
    streams = [dict(s, call_id=c["call_id"]) for c in data["calls"] for s in c["streams"]]
    streams += [dict(s, call_id=None) for s in data["orphan_streams"]]
    if streams:
        t = Table(title=f"RTP streams ({len(streams)})", title_justify="left")
        for col in (
            "Source",
            "Destination",
            "SSRC",
            "Codec",
            "Packets",
            "Lost",
            "Jitter ms",
            "Max gap s",
            "Stopped s",
            "Call",
        ):
            t.add_column(col, overflow="fold")
        for st in streams[:500]:
            t.add_row(
                st["src"],
                st["dst"],
                st["ssrc"],
                st["codec"],
                str(st["packets"]),
                str(st["lost"]),
                f"{st['jitter_ms']:.2f}",
                f"{st['max_gap_s']:.2f}",
                "-" if st["stopped_before_end_s"] is None else f"{st['stopped_before_end_s']:.1f}",
                _short(st["call_id"] or "(orphan)", 24),
            )
        con.print(t)
        if len(streams) > 500:
            con.print(f"… {len(streams) - 500} more streams (use --format json)")
    if data["options"]:
        t = Table(title="OPTIONS keepalives", title_justify="left")
        for col in ("Target", "Sent", "Answered", "RTT ms min/p50/max", "Longest unanswered"):
            t.add_column(col)
        for o in data["options"]:
            rtt = o["rtt_ms"]
            t.add_row(
                o["target"],
                str(o["sent"]),
                str(o["answered"]),
                f"{rtt['min']}/{rtt['p50']}/{rtt['max']}" if rtt else "-",
                str(o["longest_unanswered_streak"]),
            )
        con.print(t)
    if data["findings"]:
        con.print(Text("\nFindings", style="bold"))
        for f in data["findings"]:
            style = {"high": "bold red", "medium": "yellow"}.get(f["severity"], "")
            con.print(Text(f"[{f['severity']}] {f['id']}: {f['title']}", style=style))
            for e in f["evidence"]:
                con.print(Text(f"  - {e}"))
            for r in f["recommendations"]:
                con.print(Text(f"  > {r}"))
    else:
        con.print(Text("\nNo findings.", style="green"))
