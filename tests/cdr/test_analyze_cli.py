"""`dropwizard analyze`: JSON contract, formats, --fail-on, --call, input errors."""

from __future__ import annotations

import json

from dropwizard.cdr.demo import DEMO_FAULTS, GENERATED, generate, generate_tuples
from dropwizard.cli import main


def run(capsys, *argv: str):
    code = main(["analyze", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_contract(capsys) -> None:
    code, out, err = run(capsys, "--source", "demo", "--format", "json")
    assert code == 0 and err == ""
    rep = json.loads(out)
    assert set(rep) >= {"source", "window", "totals", "findings"}
    assert set(rep["totals"]) == {"calls", "answered", "failed", "dropped"}
    ranks = {"high": 3, "medium": 2, "low": 1, "info": 0}
    sev = [ranks[f["severity"]] for f in rep["findings"]]
    assert sev == sorted(sev, reverse=True)
    for f in rep["findings"]:
        assert set(f) == {
            "id",
            "title",
            "severity",
            "confidence",
            "gateway",
            "side",
            "calls",
            "evidence",
            "recommendations",
            "data",
        }
        assert (
            f["evidence"] and f["recommendations"] and any(ch.isdigit() for ch in f["evidence"][0])
        )
    st = next(f for f in rep["findings"] if f["id"] == "session_timer_expiry")
    assert st["data"]["timer_s"] == 1768 and st["data"]["implied_session_expires"] == 1800


def test_fail_on_and_formats(capsys) -> None:
    assert run(capsys, "--source", "demo", "--format", "json", "--fail-on", "high")[0] == 1
    code, out, _ = run(capsys, "--source", "demo", "--format", "markdown")
    assert code == 0 and out.startswith("# CDR analysis") and "## Findings" in out
    code, out, _ = run(capsys, "--source", "demo")
    assert code == 0 and "Findings" in out and "PRV-TeleCC-Direct" in out


def test_healthy_csv_does_not_fail(capsys, tmp_path) -> None:
    import csv

    p = tmp_path / "healthy.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(GENERATED)
        w.writerows(generate_tuples(seed=99, calls=15000))
    code, out, _ = run(capsys, "--source", str(p), "--format", "json", "--fail-on", "medium")
    assert code == 0
    assert all(f["severity"] in ("low", "info") for f in json.loads(out)["findings"])


def test_call_lookup_on_demo(capsys) -> None:
    rows = generate(faults=DEMO_FAULTS)
    leg = next(
        r for r in rows if r["calleegatewayid"] == "PRV-Zetta-Route2" and r["holdtime"] == 1768
    )
    from dropwizard.cdr.analytics import iso_ms

    code, out, _ = run(
        capsys,
        "--source",
        "demo",
        "--format",
        "json",
        "--call",
        f"{leg['callere164']}@{iso_ms(leg['stoptime'])}",
    )
    assert code == 0
    call = json.loads(out)["call"]
    assert call["found"] and call["call"]["flowno"] == leg["flowno"]
    assert call["call"]["cause"] == 102 and call["call"]["direction"] == "switch"
    assert call["call"]["callee_gateway"] == "PRV-Zetta-Route2"
    code, out, _ = run(
        capsys, "--source", "demo", "--call", f"{leg['callere164']}@{iso_ms(leg['stoptime'])}"
    )
    assert code == 0 and "Call " in out


def test_relative_since_is_a_value(capsys) -> None:
    code, out, _ = run(capsys, "--source", "demo", "--since", "-3h", "--format", "json")
    assert code == 0 and json.loads(out)["window"]["since"] is not None


def test_input_errors(capsys) -> None:
    for argv in (
        ["--source", "demo", "--since", "yesterday"],
        ["--source", "demo", "--call", "12345"],
        ["--source", "nope"],
        ["--source", "demo", "--since", "2026-11-28", "--until", "2026-11-27"],
        [],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, argv


def test_demo_is_deterministic_and_realistic() -> None:
    a = generate(seed=5, calls=4000)
    assert a == generate(seed=5, calls=4000) and a != generate(seed=6, calls=4000)
    asr = sum(r["holdtime"] > 0 for r in a) / len(a)
    assert 0.40 <= asr <= 0.65
    assert (
        len({r["callergatewayid"] for r in a}) >= 4 and len({r["calleegatewayid"] for r in a}) >= 4
    )
    assert any(r["flownofirst"] != r["flowno"] for r in a)
