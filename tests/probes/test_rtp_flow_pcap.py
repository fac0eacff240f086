"""`probe rtp_flow --pcap`: a hang-up (both directions stop together) is not an RTP stop."""

from __future__ import annotations

from pathlib import Path

from capture.pcapbuild import LINK_ETH, call_messages, ipv4, link, rtp_run, udp, write_pcap

from dropwizard.probes.base import ProbeConfig

from .conftest import probe

T0 = 1_764_331_200.0
EP, PEER, OTHER = "127.0.0.1", "127.0.0.2", "127.0.0.3"
CFG = ProbeConfig(rtp_stop_s=2.0)


def media(src: str, sport: int, dst: str, dport: int, t0: float, seconds: float, ssrc: int):
    n = int(seconds / 0.02)
    return [(t, ipv4(src, dst, 17, udp(sport, dport, p))) for t, p in rtp_run(t0, n, 1, 0, ssrc)]


def session(t0: float, out_s: float, back_s: float, port: int = 40000, peer: str = PEER):
    """The endpoint's media with `peer` both ways, each direction lasting its own time."""
    return media(EP, port, peer, 50000, t0, out_s, 0xA0 + port) + media(
        peer, 50000, EP, port, t0 + 0.003, back_s, 0xB0 + port
    )


def ongoing(seconds: float = 10.0):
    """A second call of the endpoint that goes on to the end of the capture."""
    return session(T0, seconds, seconds, port=40002, peer=OTHER)


def sip(t: float, name: str, *, cid: str = "c1@test") -> tuple[float, bytes]:
    m = call_messages((EP, 40000), (PEER, 50000), call_id=cid)
    src, dst = (PEER, EP) if name in ("ok", "bye_ok") else (EP, PEER)
    return t, ipv4(src, dst, 17, udp(5060, 5060, m[name]))


def run(tmp_path: Path, pk: list[tuple[float, bytes]]):
    p = tmp_path / "rtp.pcap"
    pk.sort(key=lambda x: x[0])
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
    return probe("rtp_flow", config=CFG, endpoint=EP, pcap=str(p), rtp_range="1024-65535")


def test_hang_up_without_sip_is_ok(tmp_path: Path) -> None:
    ev = run(tmp_path, session(T0, 4.0, 4.0) + ongoing())
    assert ev.status.value == "ok", ev.summary
    assert ev.facts["stopped"] is False and ev.facts["call_ended"] is True
    assert "call ended" in ev.summary and "stopped before" not in ev.summary
    assert ev.data["stopped_streams"] == [] and len(ev.data["ended_streams"]) == 1


def test_one_direction_stopping_while_the_other_goes_on_fails(tmp_path: Path) -> None:
    ev = run(tmp_path, session(T0, 4.0, 10.0) + ongoing())
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["stopped"] is True and ev.facts["call_ended"] is False
    assert ev.data["stopped_streams"] == [
        "127.0.0.1:40000->127.0.0.2:50000 silent for the last 6.0 s before the end"
    ]


def test_directions_stopping_seconds_apart_fail(tmp_path: Path) -> None:
    ev = run(tmp_path, session(T0, 4.0, 7.0) + ongoing())
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["stopped"] is True


def test_both_stop_while_sip_shows_the_call_up_fails(tmp_path: Path) -> None:
    pk = [sip(T0 - 0.5, "invite"), sip(T0 - 0.2, "ok"), sip(T0 - 0.19, "ack")]
    ev = run(tmp_path, pk + session(T0, 4.0, 4.0) + ongoing())
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["stopped"] is True and ev.facts["call_ended"] is False


def test_both_stop_at_the_bye_is_ok(tmp_path: Path) -> None:
    pk = [sip(T0 - 0.5, "invite"), sip(T0 - 0.2, "ok"), sip(T0 - 0.19, "ack")]
    pk += [sip(T0 + 4.05, "bye"), sip(T0 + 4.06, "bye_ok")]
    ev = run(tmp_path, pk + session(T0, 4.0, 4.0) + ongoing())
    assert ev.status.value == "ok", ev.summary
    assert ev.facts["stopped"] is False


def test_rtp_stopping_long_before_the_bye_fails(tmp_path: Path) -> None:
    pk = [sip(T0 - 0.5, "invite"), sip(T0 - 0.2, "ok"), sip(T0 - 0.19, "ack")]
    pk += [sip(T0 + 8.0, "bye"), sip(T0 + 8.01, "bye_ok")]
    ev = run(tmp_path, pk + session(T0, 4.0, 4.0) + ongoing())
    assert ev.status.value == "fail", ev.summary
    assert "before its call's BYE" in ev.data["stopped_streams"][0]


def test_no_rtp_in_a_given_pcap_names_the_capture_length(tmp_path: Path) -> None:
    pk = [sip(T0, "invite"), sip(T0 + 3.0, "ok")]
    ev = run(tmp_path, pk)
    assert ev.status.value == "warn"
    assert "?" not in ev.summary and "in 3 s" in ev.summary, ev.summary
