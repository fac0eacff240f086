"""The glossary covers what the issue names, each entry with a reference."""

from __future__ import annotations

import pytest

from dropwizard.reference.q850 import CAUSES
from dropwizard.training import glossary


def test_every_entry_is_complete_and_unique() -> None:
    entries = glossary.entries()
    assert len(entries) >= 50
    terms = [e.term for e in entries]
    assert len(terms) == len(set(terms))
    for e in entries:
        assert e.text and e.reference, e.term
        assert e.category in glossary.CATEGORIES, e.term


@pytest.mark.parametrize("category", ["q850", "sip", "rfc4028", "conntrack", "nat", "vos3000"])
def test_issue_categories_present(category: str) -> None:
    assert len(glossary.entries(category)) >= 3


@pytest.mark.parametrize("cause", [16, 17, 18, 19, 34, 38, 41, 102])
def test_guide_q850_causes_explained_with_their_names(cause: int) -> None:
    hits = [e for e in glossary.entries("q850") if e.term.startswith(f"Q.850 cause {cause}:")]
    assert len(hits) == 1
    name = hits[0].term.split(": ", 1)[1]
    assert name.split()[0].lower() in CAUSES[cause].lower()


@pytest.mark.parametrize("status", [408, 480, 486, 487, 503])
def test_guide_sip_statuses_explained(status: int) -> None:
    assert any(e.term.startswith(f"SIP {status} ") for e in glossary.entries("sip"))


def test_rfc4028_teardown_rule_and_examples() -> None:
    e = glossary.lookup("Session teardown time: SE - min(32, SE/3)")
    assert e is not None
    for se, at in ((1800, 1768), (3600, 3568), (600, 568), (90, 60)):
        assert se - min(32, se // 3) == at
        assert f"{se} -> {at} s" in e.text


def test_conntrack_kernel_defaults() -> None:
    stream = glossary.lookup("nf_conntrack_udp_timeout_stream")
    udp = glossary.lookup("nf_conntrack_udp_timeout")
    assert stream is not None and udp is not None
    assert "120 s" in stream.text and "180 s" in stream.text and "5.0" in stream.text
    assert "30 s" in udp.text


def test_vos3000_menu_paths_verbatim() -> None:
    terms = {e.term for e in glossary.entries("vos3000")}
    assert "System Parameters -> Media -> RTP Timeout" in terms
    assert "System Parameters -> SIP -> Session Timer" in terms


def test_search_finds_by_term_then_text() -> None:
    hits = glossary.search("32")
    assert hits[0].term == "Timer H and the 32 s ACK timeout"
    assert glossary.search("media proxy")[0].term == "Media proxy"
    assert glossary.search("") == glossary.entries()
    assert glossary.search("no-such-word-anywhere") == []


def test_categories_in_display_order() -> None:
    ids = [c for c, _ in glossary.categories()]
    assert ids[0] == "q850"
    assert set(ids) == {e.category for e in glossary.entries()}


def test_search_matches_word_starts_not_substrings() -> None:
    terms = [e.term for e in glossary.search("ack")]
    assert terms[0] == "Timer H and the 32 s ACK timeout"
    assert "conntrack" not in terms
    assert [e.term for e in glossary.search("nf_conntrack_udp_timeout")] == [
        "nf_conntrack_udp_timeout",
        "nf_conntrack_udp_timeout_stream",
    ]


def test_sip_entries_agree_with_the_reference_tables() -> None:
    from dropwizard.reference.rfc3398 import SIP_TO_Q850
    from dropwizard.reference.sip import STATUSES

    checked = 0
    for e in glossary.entries("sip"):
        parts = e.term.split(" ", 2)
        if parts[0] != "SIP" or not parts[1].isdigit():
            continue
        status = int(parts[1])
        assert parts[2].lower() == STATUSES[status].lower(), e.term
        if "RFC 3398" in e.text and status in SIP_TO_Q850:
            cause = SIP_TO_Q850[status]
            assert f"cause {cause}" in e.text or f"-> {cause}" in e.text, e.term
            checked += 1
    assert checked >= 8


def test_cause_18_entry_matches_where_the_flow_sends_it() -> None:
    from pathlib import Path

    import yaml

    flow = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "flows" / "call-drop.yaml").read_text()
    )
    nodes = {n["id"]: n for n in flow["nodes"]}
    (option,) = [o for o in nodes["step1"]["options"] if "[17, 18, 19]" in o["when"]]
    title = nodes[option["next"]]["title"]
    e = glossary.lookup("Q.850 cause 18: No user responding")
    assert e is not None
    assert title.startswith("[1b]") and "step [1b]" in e.text
    assert "'other causes'" not in e.text


def test_ack_timeout_entry_keeps_timer_h_for_non_2xx() -> None:
    e = glossary.lookup("Timer H and the 32 s ACK timeout")
    assert e is not None
    assert "Timer H is the server transaction's wait for the ACK of a non-2xx" in e.text
    assert "not Timer H" in e.text and "§13.3.1.4" in e.reference


def test_sysctl_persistence_names_the_load_command_per_location() -> None:
    e = glossary.lookup("sysctl persistence")
    assert e is not None
    assert "`sysctl -p`, which reads that file only" in e.text
    assert "/etc/sysctl.d, with `sysctl --system`" in e.text


def test_heartbeat_entry_claims_no_unconfirmed_parameter_name() -> None:
    e = glossary.lookup("Heartbeat / OPTIONS Keepalive")
    assert e is not None
    assert "Blog name SS_SIP_NAT_KEEP_ALIVE" not in e.text
    assert "OPTIONS heartbeat was not found" in e.text
