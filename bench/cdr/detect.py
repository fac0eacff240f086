"""Detector quality on randomised planted faults (figures, not a timed test).

    .venv/bin/python bench/cdr/detect.py [--cases 30] [--seed 1] [--calls 15000]

For each fault kind, `--cases` generated days with one planted fault whose timer, gateway, share
and window are drawn at random (and healthy days with none). A case is *found* when a high or
medium finding of the expected id names the planted gateway with the planted value (timer, band
onset, cut, status class or window); *wrong value* when the id and gateway match but the value
does not; *missed* otherwise; *too few* when the generator planted fewer than MIN_PLANTED affected
calls (a cut at 3600 s on a gateway whose calls seldom last that long), which no detector should
call medium. *Extra* counts the cases where some other high or medium finding comes along (on a
healthy day: any).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dropwizard.cdr import analytics  # noqa: E402
from dropwizard.cdr.demo import (  # noqa: E402
    DEMO_DAY,
    FAULT_TYPES,
    GENERATED,
    gateway_names,
    generate_tuples,
)
from dropwizard.cdr.duck import DuckSource  # noqa: E402
from dropwizard.diagnosis.detectors import detect  # noqa: E402
from dropwizard.diagnosis.finding import Finding  # noqa: E402

CUST, PROV = gateway_names()
Check = Callable[[Finding], bool]
MIN_PLANTED = 15
COL = {c: i for i, c in enumerate(GENERATED)}


@dataclass
class Case:
    kind: str
    fault: dict[str, Any] | None
    expect: str | None
    """The finding id that should come out (None: a healthy day)."""
    value_ok: Check = field(default=lambda f: True)
    also_ok: frozenset[str] = frozenset()
    """Other ids that may come along without counting as extra."""


def _near(key: str, want: float, tol: float) -> Check:
    return lambda f: key in f.data and abs(float(f.data[key]) - want) <= tol


def _onset(want: int, tol: int) -> Check:
    def ok(f: Finding) -> bool:
        at = f.data.get("band_start_s", f.data.get("spike_s", f.data.get("rtp_timeout_s")))
        return at is not None and abs(int(at) - want) <= tol

    return ok


def _window(start_min: int, end_min: int) -> Check:
    def ok(f: Finding) -> bool:
        w = f.data.get("window") or {}
        if not w.get("start") or not w.get("end"):
            return False
        s = _minute(w["start"])
        e = _minute(w["end"])
        return s < end_min and e > start_min

    return ok


def _minute(iso: str) -> int:
    hh, mm = iso.split("T", 1)[1][:5].split(":")
    return int(hh) * 60 + int(mm)


BANDS = {
    "firewall_udp_timeout": ("timeout_s", "firewall_udp_timeout", "provider"),
    "nat_keepalive": ("binding_s", "nat_keepalive_loss", "customer"),
}
"""Band faults: (their parameter, the finding id, the side of the gateway they are planted on)."""


def cases(kind: str, rng: random.Random) -> Case:
    """One randomised case of `kind`."""
    prov, cust = rng.choice(PROV), rng.choice(CUST)
    if kind == "healthy":
        return Case(kind, None, None)
    if kind == "session_timer":
        se = (
            rng.choice([600, 900, 1200, 1800, 1800, 3600])
            if rng.random() < 0.6
            else 30 * rng.randint(6, 100)
        )
        gw = prov if rng.random() < 0.7 else cust
        f = {
            "type": "session_timer",
            "gateway": gw,
            "params": {"session_expires": se},
            "share": rng.uniform(0.4, 1.0),
        }
        return Case(kind, f, "session_timer_expiry", _near("implied_session_expires", se, 0))
    if kind == "idle_cut":
        t = rng.choice([120, 180, 300])
        gw = prov if rng.random() < 0.6 else cust
        f = {
            "type": "session_timer",
            "gateway": gw,
            "params": {"timer_s": t},
            "share": rng.uniform(0.4, 1.0),
        }
        want = "firewall_udp_timeout" if gw in PROV else "nat_keepalive_loss"
        return Case(kind, f, want, _near("spike_s", t, 1))
    if kind == "rtp_timeout":
        t = rng.randint(20, 75)
        gw = cust if rng.random() < 0.5 else prov
        f = {
            "type": "rtp_timeout",
            "gateway": gw,
            "share": rng.uniform(0.05, 0.12),
            "params": {
                "timeout_s": t,
                "proxied": rng.random() < 0.6,
                "never_flowed": rng.uniform(0.2, 0.6),
            },
        }
        return Case(kind, f, "rtp_timeout", _onset(t, 3))
    if kind == "ack_timeout":
        gw = cust if rng.random() < 0.6 else prov
        f = {"type": "ack_timeout", "gateway": gw, "share": rng.uniform(0.04, 0.1)}
        return Case(kind, f, "ack_timeout", _near("timer_s", 32, 1))
    if kind == "max_call_duration":
        v = rng.choice([1200, 2400, 3000, 3600, 5400, 7200])
        f = {"type": "max_call_duration", "gateway": prov, "params": {"value": v}}
        return Case(kind, f, "max_call_duration", _near("value_s", v, 0))
    if kind == "provider_503_burst":
        start = rng.randint(3 * 60, 20 * 60)
        end = start + rng.randint(40, 120)
        win = (f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")
        f = {
            "type": "provider_503_burst",
            "gateway": prov,
            "params": {"rate": rng.uniform(0.35, 0.8)},
            "window": win,
        }
        return Case(kind, f, "provider_rejection", _window(start, end))
    if kind == "provider_487":
        f = {
            "type": "provider_487",
            "gateway": prov,
            "share": rng.uniform(0.12, 0.3),
            "params": {"pdd_timeout_s": rng.randint(4, 12)},
        }
        return Case(kind, f, "provider_rejection", lambda f: f.data.get("status") == "487")
    if kind == "midcall_failover":
        f = {"type": "midcall_failover", "gateway": prov, "share": rng.uniform(0.03, 0.07)}
        return Case(kind, f, "failover_switch", also_ok=frozenset({"provider_rejection"}))
    if kind in BANDS:
        param, want, side = BANDS[kind]
        t = rng.randint(70, 300)
        f = {
            "type": kind,
            "gateway": prov if side == "provider" else cust,
            "share": rng.uniform(0.06, 0.12),
            "params": {param: t},
        }
        return Case(kind, f, want, _onset(t, max(10, t // 10)))
    raise ValueError(kind)


KINDS = ("healthy", FAULT_TYPES[0], "idle_cut", *FAULT_TYPES[1:])


def planted(c: Case, rows: list[tuple[Any, ...]]) -> int | None:
    """Affected calls of a fixed cut or a rejection burst (None for the other kinds)."""
    f = c.fault
    if f is None:
        return None
    gw = f["gateway"]
    on = [r for r in rows if gw in (r[COL["callergatewayid"]], r[COL["calleegatewayid"]])]
    if f["type"] in ("session_timer", "max_call_duration"):
        p = f["params"]
        if "timer_s" in p:
            at = p["timer_s"]
        elif "value" in p:
            at = p["value"]
        else:
            at = int(p["session_expires"] - min(32, p["session_expires"] / 3))
        return sum(
            1 for r in on if abs(r[COL["holdtime"]] - at) <= 1 and r[COL["enddirection"]] == 2
        )
    if f["type"] == "provider_503_burst":
        lo, hi = (_minute("T" + x) for x in f["window"])
        inside = [lo <= (r[COL["stoptime"]] // 60000) % 1440 < hi for r in on]
        rejected = [r[COL["endreason"]] == 503 for r in on]
        n_in = sum(inside)
        rej_in = sum(a and b for a, b in zip(inside, rejected, strict=True))
        base = (sum(rejected) - rej_in) / max(1, len(on) - n_in)
        return round(rej_in - base * n_in)
    return None


def run_case(c: Case, seed: int, calls: int) -> tuple[str, bool]:
    """(outcome, extra) of one case."""
    rows = generate_tuples(
        seed=seed, day=DEMO_DAY, calls=calls, faults=[c.fault] if c.fault else []
    )
    n = planted(c, rows)
    src = DuckSource.from_tuples(rows, GENERATED, label="bench", kind="csv")
    try:
        prof = analytics.collect(src, None, None)
        found = detect(prof, analytics.summarise(prof))
    finally:
        src.close()
    serious = [f for f in found if f.severity.value in ("high", "medium")]
    if c.expect is None:
        return "found" if not serious else "missed", bool(serious)
    gw = c.fault["gateway"] if c.fault else None
    mine = [f for f in serious if f.id == c.expect and f.gateway == gw]
    outcome = "missed"
    if any(c.value_ok(f) for f in mine):
        outcome = "found"
    elif mine:
        outcome = "wrong value"
    elif n is not None and n < MIN_PLANTED:
        outcome = "too few"
    extra = any(f not in mine and f.id != c.expect and f.id not in c.also_ok for f in serious)
    return outcome, extra


def _line(label: str, row: list[int]) -> str:
    n, found, wrong, missed, few, extra = row
    return f"{label:22s} {n:5d} {found:6d} {wrong:11d} {missed:6d} {few:7d} {extra:6d}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=30, help="cases per fault kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=15000)
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    kinds = [k for k in args.kinds.split(",") if k]
    print(
        f"{'fault':22s} {'cases':>5s} {'found':>6s} {'wrong value':>11s} {'missed':>6s} {'extra':>6s}"
    )
    totals = [0, 0, 0, 0, 0]
    t0 = time.perf_counter()
    misses: list[str] = []
    for kind in kinds:
        counts = {"found": 0, "wrong value": 0, "missed": 0, "too few": 0}
        extra = 0
        for _ in range(args.cases):
            c = cases(kind, rng)
            seed = rng.randint(1, 10**6)
            outcome, ex = run_case(c, seed, args.calls)
            counts[outcome] += 1
            extra += ex
            if outcome in ("wrong value", "missed") and len(misses) < 40:
                misses.append(f"  {kind} seed={seed} {outcome}: {c.fault}")
        row = [args.cases, counts["found"], counts["wrong value"], counts["missed"], extra]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(
            f"{kind:22s} {row[0]:5d} {row[1]:6d} {row[2]:11d} {row[3]:6d} {row[4]:6d}", flush=True
        )
    print(
        f"{'total':22s} {totals[0]:5d} {totals[1]:6d} {totals[2]:11d} {totals[3]:6d} {totals[4]:6d}"
    )
    print(f"{time.perf_counter() - t0:.0f} s; healthy rows: found = no high/medium finding")
    if misses:
        print("not found (first 40):")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
