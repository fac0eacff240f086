"""CSV exports: aliases and case in headers, GBK names, gzip, malformed rows with line numbers."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from cdrdays import rows_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropwizard.cdr import analytics, open_source
from dropwizard.cdr.demo import GENERATED
from dropwizard.cdr.duck import DuckSource
from dropwizard.cli import main


def write(path: Path, rows, header=GENERATED, encoding="utf-8") -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def test_gbk_names_and_aliases(tmp_path: Path) -> None:
    rows = rows_for(
        3, calls=1500, rename={"PRV-Orion-Premium": "上海电信-落地", "CUST-Globtel": "北京客户"}
    )
    header = [h.upper() for h in GENERATED]
    header[GENERATED.index("stoptime")] = "Stop"
    header[GENERATED.index("callergatewayid")] = "Caller Gateway"
    src = DuckSource.from_csv(write(tmp_path / "gbk.csv", rows, header, encoding="gbk"))
    s = analytics.summarise(analytics.collect(src, None, None))
    assert s.calls == len(rows)
    assert ("callee", "上海电信-落地") in s.gateways and ("caller", "北京客户") in s.gateways
    assert any("GBK" in n for n in src.notes)


def test_gzip_and_same_totals_as_plain(tmp_path: Path) -> None:
    rows = rows_for(4, calls=1200)
    a = DuckSource.from_csv(write(tmp_path / "x.csv", rows))
    b = open_source(str(write(tmp_path / "x.csv.gz", rows)))
    ta = analytics.summarise(analytics.collect(a, None, None))
    tb = analytics.summarise(analytics.collect(b, None, None))
    assert (ta.calls, ta.answered, ta.dropped) == (tb.calls, tb.answered, tb.dropped) != (0, 0, 0)


def test_malformed_rows_skipped_with_line_numbers(tmp_path: Path, capsys) -> None:
    rows = [list(r) for r in rows_for(5, calls=300)]
    hold = GENERATED.index("holdtime")
    rows[9][hold] = "abc"  # line 11 (header is line 1)
    rows[19] = rows[19][:5]  # line 21: too few fields
    rows[29] = [*rows[29], "x", "y"]  # line 31: too many fields
    path = write(tmp_path / "bad.csv", rows)
    src = DuckSource.from_csv(path)
    assert src.bad_count == 3
    assert [n for n, _ in src.bad_lines] == [11, 21, 31]
    assert src.rows == len(rows) - 3
    code = main(["analyze", "--source", str(path), "--format", "json"])
    err = capsys.readouterr().err
    assert code == 0 and "skipped 3 malformed row(s) at line(s) 11, 21, 31" in err


def test_not_a_cdr_export(tmp_path: Path, capsys) -> None:
    p = tmp_path / "other.csv"
    p.write_text("name,age\nbob,3\n")
    assert main(["analyze", "--source", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "stoptime" in err[0]
    assert main(["analyze", "--source", str(tmp_path / "missing.csv")]) == 2


cell = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.just(""),
    st.text(
        alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
        max_size=6,
    ),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(cell, min_size=1, max_size=len(GENERATED) + 2), min_size=0, max_size=12))
def test_reader_never_crashes(tmp_path: Path, junk: list[list[str]]) -> None:
    good = [list(r) for r in rows_for(6, calls=20)]
    path = tmp_path / "fuzz.csv"
    write(path, good + junk)
    src = DuckSource.from_csv(path)
    assert src.rows + src.bad_count == len(good) + len(junk)
    assert src.rows >= len(good)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=len(GENERATED) + 1), max_size=8))
def test_arbitrary_text_never_raises_a_traceback(tmp_path: Path, junk: list[list[str]]) -> None:
    good = [list(r) for r in rows_for(6, calls=10)]
    path = tmp_path / "any.csv"
    write(path, good + junk)
    src = DuckSource.from_csv(path)
    assert src.rows >= len(good) - 1


def test_large_file_lookup_reads_the_file_again(tmp_path: Path, monkeypatch) -> None:
    from dropwizard.cdr import duck as duckmod
    from dropwizard.cdr.analytics import iso_ms
    from dropwizard.cdr.service import lookup_call
    from dropwizard.scope import parse_time

    monkeypatch.setattr(duckmod, "LAZY_ROWS_BYTES", 0)
    rows = rows_for(17, calls=800)
    src = DuckSource.from_csv(write(tmp_path / "big.csv", rows))
    assert not src.columns().has("caller")
    ix = {c: i for i, c in enumerate(GENERATED)}
    leg = rows[400]
    res = lookup_call(src, leg[ix["callere164"]], parse_time(iso_ms(leg[ix["starttime"]])))
    assert any(x["flowno"] == leg[ix["flowno"]] for x in res["legs"])
    s = analytics.summarise(analytics.collect(src, None, None))
    assert s.calls == len(rows)


def test_datetime_times_and_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "dt.csv"
    p.write_text(
        "flowno,callergatewayid,calleegatewayid,starttime,stoptime,holdtime,endreason,enddirection\n"
        "1,A,B,2026-11-27 10:00:00,2026-11-27 10:01:00,55,200,0\n"
        "2,A,B,2026-11-27 10:02:00,2026-11-27 10:02:03,0,503,1\n"
    )
    src = DuckSource.from_csv(p)
    since, until = src.default_window()
    assert since is not None and since.isoformat().startswith("2026-11-27T10:01")
    s = analytics.summarise(analytics.collect(src, since, until))
    assert (s.calls, s.answered) == (2, 1)
    assert any("sipreasonheader" in n and "flownofirst" in n for n in src.notes)
