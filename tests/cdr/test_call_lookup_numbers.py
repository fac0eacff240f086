"""A reported number is found however the operator wrote it (+, 00, spaces, dashes, brackets,
a national trunk 0), on CSV and MySQL alike; a number without a CDR stops `analyze --call`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdrdays import DAY, duck, load_mysql, rows_for

from dropwizard.cdr import open_source
from dropwizard.cdr.analytics import iso_ms
from dropwizard.cdr.demo import COLUMNS, DEMO_FAULTS, GENERATED, generate
from dropwizard.cdr.gatherers import register
from dropwizard.cdr.schema import ColumnMap
from dropwizard.cdr.service import CallNotFound, analyse, lookup_call
from dropwizard.cdr.sql import call_lookup, guard
from dropwizard.cli import main
from dropwizard.errors import InputError
from dropwizard.evidence import Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope, normalise_number, number_forms

REVIEWED = "86131693292"
"""The demo's 1768 s session-timer drop on PRV-Zetta-Route2 (callee number as the CDR holds it)."""
REVIEWED_AT = "2026-11-27T07:04"


@pytest.fixture(scope="module")
def demo():
    src = open_source("demo")
    yield src
    src.close()


@pytest.fixture(scope="module")
def reviewed_leg() -> dict[str, Any]:
    legs = [r for r in generate(faults=DEMO_FAULTS) if r["calleee164"] == REVIEWED]
    assert len(legs) == 1
    return legs[0]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("+86131693292", "86131693292"),
        ("0086131693292", "86131693292"),
        ("+86 131 693 292", "86131693292"),
        ("+86-131-693-292", "86131693292"),
        ("(86) 131.693.292", "86131693292"),
        ("00 86 (131) 693-292", "86131693292"),
        ("+44 (0)20 7946 0000", "442079460000"),
        (" 8613800138000 ", "8613800138000"),
        ("0131693292", "0131693292"),
        ("0012", "0012"),
        ("alice.smith", "alice.smith"),
        ("*86#", "*86#"),
    ],
)
def test_normalise_number(written: str, normalised: str) -> None:
    assert normalise_number(written) == normalised
    assert normalise_number(normalised) == normalised


def test_number_forms_add_the_number_without_its_trunk_zero() -> None:
    assert number_forms("0131693292") == ["0131693292", "131693292"]
    assert number_forms("+86 131 693 292") == ["86131693292"]
    assert number_forms("0012") == ["0012"]
    assert number_forms("01234") == ["01234"]


def test_for_call_keeps_the_normalised_number() -> None:
    scope = Scope.for_call("+86 131-693-292@2026-11-27T07:04")
    assert scope.number == "86131693292"
    assert Scope.for_call("0086131693292@2026-11-27T07:04").number == "86131693292"
    assert Scope.from_dict(scope.to_dict()).number == "86131693292"
    for bad in ("1' OR '1'='1@2026-11-27T07:04", "+@2026-11-27T07:04", "al ice@2026-11-27T07:04"):
        with pytest.raises(InputError, match="number"):
            Scope.for_call(bad)


def test_the_lookup_statement_is_parameterised() -> None:
    cm = ColumnMap.detect(COLUMNS)
    st = call_lookup(cm, "e_cdr", number_forms("0131693292"), 1, 2)
    guard(st.sql)
    assert "131693292" not in st.sql
    assert st.sql.count("%s") == len(st.params)
    assert {"0131693292", "131693292", "%0131693292", "%131693292"} <= set(st.params)
    evil = call_lookup(cm, "e_cdr", ["86138' OR 1=1", "x"], 1, 2)
    guard(evil.sql)
    assert "' OR" not in evil.sql and "86138' OR 1=1" in evil.params


@pytest.mark.parametrize(
    "written",
    [
        "+86131693292",
        "0086131693292",
        "+86 131 693 292",
        "+86-131-693-292",
        "(86) 131.693.292",
        "0131693292",
    ],
)
def test_the_reviewed_call_is_found_however_it_is_written(
    demo, reviewed_leg: dict[str, Any], written: str
) -> None:
    scope = Scope.for_call(f"{written}@{REVIEWED_AT}")
    call = lookup_call(demo, scope.number or "", scope.at)  # type: ignore[arg-type]
    assert call["found"]
    c = call["call"]
    assert c["flowno"] == reviewed_leg["flowno"]
    assert c["holdtime"] == 1768 and c["callee_gateway"] == "PRV-Zetta-Route2"
    assert c["cause"] == 102 and c["direction"] == "switch"
    assert (c["callercallid"], c["calleecallid"]) == (
        reviewed_leg["callercallid"],
        reviewed_leg["calleecallid"],
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_analyze_finds_a_call_written_with_00(capsys, reviewed_leg: dict[str, Any]) -> None:
    code, out, _ = run(
        capsys, "--source", "demo", "--format", "json", "--call", f"0086131693292@{REVIEWED_AT}"
    )
    assert code == 0
    call = json.loads(out)["call"]
    assert call["number"] == REVIEWED and call["call"]["flowno"] == reviewed_leg["flowno"]
    assert call["searched"] == {
        "since": "2026-11-27T07:02:00Z",
        "until": "2026-11-27T07:06:00Z",
        "numbers": [REVIEWED],
    }


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_analyze_of_a_missing_call_exits_2_naming_number_and_window(capsys, fmt: str) -> None:
    code, out, err = run(
        capsys, "--source", "demo", "--format", fmt, "--call", f"+86 131 693 299@{REVIEWED_AT}"
    )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert "no CDR of 86131693299" in line
    assert "2026-11-27T07:02:00Z .. 2026-11-27T07:06:00Z" in line
    assert "check the number" in line and "--since/--until" in line


def test_a_missing_call_raises_before_the_day_is_analysed(demo) -> None:
    scope = Scope.for_call(f"0086131693299@{REVIEWED_AT}")
    with pytest.raises(CallNotFound) as exc:
        analyse(demo, scope)
    assert exc.value.exit_code == 2
    a = analyse(demo, scope, require_call=False)
    assert a.call is not None and a.call["call"] is None and a.summary.calls > 0


def test_the_causes_of_a_missing_call_are_not_the_window_causes(demo) -> None:
    reg = Registry()
    register(reg)
    ctx = GatherContext(scope=Scope.for_call(f"+86131693299@{REVIEWED_AT}"), source=demo)
    ev = reg.run("cdr.causes", ctx)
    assert ev.status == Status.WARN
    assert ev.facts["call_found"] is False and ev.facts["calls"] > 0
    assert not {"top_cause", "top_cause_share", "normal_share"} & set(ev.facts)
    assert "86131693299" in ev.summary and "07:02:00Z .. 2026-11-27T07:06:00Z" in ev.summary
    durations = reg.run("cdr.durations", ctx)
    assert durations.facts["pattern"] == "none" and "no CDR" in durations.summary


@pytest.mark.mysql
def test_mysql_and_csv_find_the_same_call(mysql_server, mysql_db, mysql_uri) -> None:
    rows = rows_for(21, calls=2000)
    table = f"e_cdr_{DAY:%Y%m%d}"
    load_mysql(mysql_server, mysql_db, rows, table)
    ix = {c: i for i, c in enumerate(GENERATED)}
    leg = next(
        r
        for r in rows
        if r[ix["holdtime"]] > 0
        and str(r[ix["calleee164"]]).startswith("86")
        and len(str(r[ix["calleee164"]])) >= 10
    )
    number = str(leg[ix["calleee164"]])
    at = Scope.for_call(f"1@{iso_ms(leg[ix['starttime']] + 5_000)}").at
    written = [
        f"+{number}",
        f"00{number}",
        f"+{number[:2]} {number[2:5]}-{number[5:8]}.{number[8:]}",
        f"0{number[2:]}",
    ]
    csv_src, my_src = duck(rows), open_source(mysql_uri)
    try:
        for w in written:
            n = Scope.for_call(f"{w}@2026-11-27T00:00").number or ""
            a, b = lookup_call(csv_src, n, at), lookup_call(my_src, n, at)  # type: ignore[arg-type]
            assert a == b, w
            assert a["call"]["flowno"] == leg[ix["flowno"]], w
        missing = lookup_call(my_src, "+86 000 000 001", at)  # type: ignore[arg-type]
        assert missing == lookup_call(csv_src, "+86 000 000 001", at)  # type: ignore[arg-type]
        assert missing["call"] is None and missing["number"] == "86000000001"
    finally:
        csv_src.close()
        my_src.close()
