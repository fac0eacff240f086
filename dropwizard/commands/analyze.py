"""`dropwizard analyze`: CDR analytics and findings without a screen (text, Markdown, JSON)."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from contextlib import nullcontext
from typing import Any

from dropwizard.errors import EXIT_OK, EXIT_THRESHOLD, InputError
from dropwizard.scope import Scope, iso, parse_time

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1, "info": 0}
MAX_SECONDS_LIMIT = 86400.0
"""The longest --max-seconds accepted: one day per statement."""


RELATIVE_TIME_ARG = re.compile(r"^-\d+(\.\d+)?\s*[A-Za-z]*$")
"""Values such as `-24h` (and typos such as `-5x`, which then get the time error) are values of
`--since`/`--until`, not options."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse CDRs and print findings (text, markdown, json)",
        description="Analyse VOS3000 CDRs: release causes, drop durations, provider rejections, "
        "retry chains; print findings most important first.",
    )
    p.add_argument(
        "--source",
        help="demo, a CSV export (.csv/.csv.gz), mysql://USER@HOST:PORT/DB, "
        "or a configured source name",
    )
    p.add_argument("--since", help="window start: ISO 8601 (UTC unless offset) or relative (-24h)")
    p.add_argument("--until", help="window end: ISO 8601 or relative (default: now / end of data)")
    p.add_argument("--gateway", help="only calls through this gateway (either side)")
    p.add_argument("--call", metavar="NUMBER@TIME", help="look up one reported call (±2 min)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument(
        "--fail-on",
        choices=("high", "medium"),
        default=None,
        help="exit 1 when a finding of this severity or higher is found",
    )
    # let relative times such as `--since -24h` through as values, not as options
    p._negative_number_matcher = RELATIVE_TIME_ARG
    p.add_argument(
        "--max-seconds",
        type=float,
        default=30.0,
        help="server-side time limit per SQL statement, 0.1 <= S <= 86400 (default 30)",
    )
    p.add_argument(
        "--burst-minutes",
        action="store_true",
        help="place rejection bursts to the minute (one more short statement per burst)",
    )
    p.add_argument(
        "--db-connections",
        type=int,
        default=2,
        metavar="N",
        help="MySQL: run up to N statements of the analysis at once (default 2; 1 = one by one)",
    )


def _scope(args: argparse.Namespace) -> Scope:
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    if since and until and since >= until:
        raise InputError(f"--since {args.since} is not before --until {args.until}")
    if args.call:
        return Scope.for_call(args.call)
    if args.gateway is not None:
        if not args.gateway.strip():
            raise InputError("--gateway is empty: give a gateway name as shown in the CDRs")
        return Scope(kind="gateway", since=since, until=until, gateway=args.gateway)
    return Scope(kind="window", since=since, until=until)


MIN_SECONDS = 0.1
"""The shortest --max-seconds accepted: below a millisecond the servers read the limit as none."""


def check_max_seconds(value: float) -> None:
    """--max-seconds must be a finite number of seconds, at least 0.1 and at most a day."""
    if not (math.isfinite(value) and MIN_SECONDS <= value <= MAX_SECONDS_LIMIT):
        raise InputError(
            f"--max-seconds {value:g}: give seconds from {MIN_SECONDS:g} to "
            f"{MAX_SECONDS_LIMIT:g} (one day), e.g. --max-seconds 120"
        )


def _flow(config: Any, notes: list[str] | None = None) -> Any:
    """The call-drop flow, whose findings catalogue words the recommendations.

    A flow that cannot be loaded (a broken user override, say) is reported as a note naming its
    file and line, and the built-in advice is used: the shipped flow, else the fallback lines.
    The note goes to `notes`, or to stderr when no list is given.
    """
    from dropwizard.errors import DropwizardError
    from dropwizard.wizard.loader import find_flow, load_flow, shipped_dir

    try:
        return find_flow("call-drop", config)
    except DropwizardError as exc:
        problem = exc.message
    except Exception as exc:
        problem = f"cannot load the call-drop flow: {exc}"
    flow = None
    shipped = shipped_dir() / "call-drop.yaml"
    if shipped.is_file() and not problem.startswith(str(shipped)):
        try:
            flow = load_flow(shipped)
        except Exception:
            flow = None
    hint = "" if "flows check" in problem else " (see 'dropwizard flows check')"
    note = f"{problem}{hint}; the built-in advice was used instead"
    if notes is None:
        print(f"dropwizard: note: {note}", file=sys.stderr)
    else:
        notes.append(note)
    return flow


def report(a: Any) -> dict[str, Any]:
    """The DESIGN.md JSON object (plus gateways, causes, call and notes)."""
    s = a.summary
    out: dict[str, Any] = {
        "source": a.source,
        "window": {"since": iso(a.since), "until": iso(a.until)},
        "totals": a.totals(),
        "findings": [f.to_dict() for f in a.findings],
        "gateways": [
            g.to_dict() for g in sorted(s.gateways.values(), key=lambda g: (g.side, g.name))
        ],
        "causes": [
            {"cause": k, "calls": v, "answered": s.causes_answered.get(k, 0)}
            for k, v in sorted(s.causes.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ],
    }
    if a.gateway:
        out["gateway"] = a.gateway
    if a.call is not None:
        out["call"] = a.call
    if a.notes:
        out["notes"] = a.notes
    return out


def run(args: argparse.Namespace) -> int:
    from dropwizard.cdr import open_source
    from dropwizard.cdr.service import analyse
    from dropwizard.config import load_config

    if not args.source:
        raise InputError("analyze needs --source: demo, a CSV export, or mysql://USER@HOST:PORT/DB")
    check_max_seconds(args.max_seconds)
    if not 1 <= args.db_connections <= 8:
        raise InputError("--db-connections must be between 1 and 8")
    scope = _scope(args)
    config = load_config()
    progress = sys.stderr.isatty()
    status = _status if progress else (lambda _msg: nullcontext())
    with status(f"opening {args.source}"):
        src = open_source(
            args.source,
            config,
            max_seconds=args.max_seconds,
            connections=args.db_connections,
        )
    flow_notes: list[str] = []
    try:
        with status("analysing CDRs"):
            flow = _flow(config, flow_notes)
            a = analyse(src, scope, flow, minute_bursts=args.burst_minutes)
    finally:
        src.close()
    notes = [*flow_notes, *a.notes]
    for note in notes:
        print(f"dropwizard: note: {note}", file=sys.stderr)
    rep = report(a)
    if notes:
        rep["notes"] = notes
    if args.format == "json":
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    elif args.format == "markdown":
        print(markdown(rep))
    else:
        text(rep)
    if args.fail_on:
        need = SEVERITY_RANK[args.fail_on]
        if any(SEVERITY_RANK[f["severity"]] >= need for f in rep["findings"]):
            return EXIT_THRESHOLD
    return EXIT_OK


def _status(msg: str) -> Any:
    from rich.console import Console

    return Console(stderr=True).status(msg)


def _pct(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "-"


def markdown(rep: dict[str, Any]) -> str:
    t = rep["totals"]
    w = rep["window"]
    lines = [
        f"# CDR analysis: {rep['source']}",
        "",
        f"Window: {w['since'] or 'start'} .. {w['until'] or 'end'}"
        + (f", gateway {rep['gateway']}" if rep.get("gateway") else ""),
        "",
        f"Calls {t['calls']}, answered {t['answered']} ({_pct(t['answered'], t['calls'])}), "
        f"failed {t['failed']}, dropped {t['dropped']}.",
        "",
        "## Findings",
        "",
    ]
    if not rep["findings"]:
        lines.append("No findings.")
    for f in rep["findings"]:
        where = f" ({f['side']} gateway {f['gateway']})" if f.get("gateway") else ""
        lines += [
            f"### [{f['severity'].upper()}] {f['title']}{where}",
            "",
            f"`{f['id']}`, confidence {f['confidence']:.2f}, {f['calls']} calls",
            "",
        ]
        lines += [f"- {e}" for e in f["evidence"]]
        if f["recommendations"]:
            lines += ["", "Recommendations:", ""] + [f"- {r}" for r in f["recommendations"]]
        lines.append("")
    if rep.get("call"):
        lines += [
            "## Reported call",
            "",
            "| start | stop | caller gw | callee gw | hold s | ended by | cause |",
            "|---|---|---|---|---|---|---|",
        ]
        for leg in rep["call"]["legs"]:
            lines.append(
                f"| {leg['start']} | {leg['stop']} | {leg['caller_gateway']} | "
                f"{leg['callee_gateway']} | {leg['holdtime']} | {leg['direction']} | "
                f"{leg['cause_label']} |"
            )
        lines.append("")
    lines += [
        "## Gateways",
        "",
        "| side | gateway | calls | ASR | ACD s | dropped |",
        "|---|---|---|---|---|---|",
    ]
    for g in rep["gateways"]:
        lines.append(
            f"| {g['side']} | {g['gateway']} | {g['calls']} | {g['asr']:.1%} | "
            f"{g['acd_s']} | {g['dropped']} |"
        )
    return "\n".join(lines)


def _table(
    con: Any, title: str, columns: list[str], rows: list[list[str]], whole: set[str]
) -> None:
    """A table whose `whole` columns (ids, times, gateways) are never cut or wrapped.

    The other columns wrap. When the whole columns alone do not fit the console, each row is
    printed as a block of `column  value` lines instead.
    """
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    def width(cell: str) -> int:
        return max((Text.from_markup(x).cell_len for x in cell.splitlines()), default=0)

    widths = [max([len(c)] + [width(r[i]) for r in rows]) for i, c in enumerate(columns)]
    need = len(columns) * 3 + 1
    need += sum(w if c in whole else min(w, 8) for c, w in zip(columns, widths, strict=True))
    if need <= con.width:
        tab = Table(title=title)
        for c in columns:
            if c in whole:
                tab.add_column(c, no_wrap=True, overflow="ignore")
            else:
                tab.add_column(c, overflow="fold")
        for r in rows:
            tab.add_row(*r)
        con.print(tab)
        return
    con.print(f"[bold]{escape(title)}[/]")
    for i, r in enumerate(rows):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for c, v in zip(columns, r, strict=True):
            grid.add_row(f"  {c}", v)
        con.print(grid)
        if i < len(rows) - 1:
            con.print()


def text(rep: dict[str, Any], console: Any = None) -> None:
    """The report for a terminal or a pipe (rich tables, ids/times/gateways never cut)."""
    from rich.console import Console
    from rich.markup import escape as e

    con = console or Console()
    t = rep["totals"]
    w = rep["window"]
    con.print(
        f"[bold]{e(rep['source'])}[/]  {w['since'] or 'start'} .. {w['until'] or 'end'}"
        + (f"  gateway {e(rep['gateway'])}" if rep.get("gateway") else "")
    )
    con.print(
        f"calls {t['calls']}  answered {t['answered']} ({_pct(t['answered'], t['calls'])})  "
        f"failed {t['failed']}  dropped {t['dropped']}"
    )
    if rep.get("call"):
        c = rep["call"]
        title = f"Call {c['number']} around {c['at']}"
        if c["legs"]:
            _table(
                con,
                title,
                ["start", "stop", "caller gw", "callee gw", "hold s", "ended by", "cause"],
                [
                    [
                        e(leg["start"] or ""),
                        e(leg["stop"] or ""),
                        e(str(leg["caller_gateway"] or "")),
                        e(str(leg["callee_gateway"] or "")),
                        str(leg["holdtime"]),
                        e(leg["direction"] or "?"),
                        e(str(leg["cause_label"])),
                    ]
                    for leg in c["legs"]
                ],
                {"start", "stop", "caller gw", "callee gw"},
            )
        else:
            con.print(f"[bold]{e(title)}[/]")
            con.print("[yellow]no CDR of that number within ±2 min[/]")
    colours = {"high": "red", "medium": "yellow", "low": "cyan", "info": "green"}
    _table(
        con,
        "Findings",
        ["severity", "finding", "gateway", "calls", "title"],
        [
            [
                f"[{colours[f['severity']]}]{f['severity']}[/]",
                e(f["id"]),
                e(f.get("gateway") or "-"),
                str(f["calls"]),
                e(f["title"]),
            ]
            for f in rep["findings"]
        ],
        {"severity", "finding", "gateway"},
    )
    for f in rep["findings"]:
        con.print(f"\n[bold]{e(f['title'])}[/] ({e(f['id'])}, confidence {f['confidence']:.2f})")
        for x in f["evidence"]:
            con.print(f"  - {e(x)}")
        for r in f["recommendations"]:
            con.print(f"  > {e(r)}")
    _table(
        con,
        "Gateways",
        ["side", "gateway", "calls", "ASR", "ACD s", "dropped"],
        [
            [
                g["side"],
                e(g["gateway"]),
                str(g["calls"]),
                f"{g['asr']:.1%}",
                str(g["acd_s"]),
                str(g["dropped"]),
            ]
            for g in rep["gateways"]
        ],
        {"side", "gateway"},
    )
