"""Random bytes and mutated captures raise nothing but CaptureError."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropwizard.capture import CaptureError, analyse_file
from dropwizard.capture.sip import parse_message, parse_reason

from .pcapbuild import LINK_ETH, LINK_SLL2, link, write_pcap, write_pcapng
from .test_built import call_ip

_DIR = Path(tempfile.mkdtemp(prefix="dwfuzz"))
atexit.register(shutil.rmtree, _DIR, True)


def _seed(kind: str) -> bytes:
    p = _DIR / f"seed-{kind}"
    if not p.exists():
        pk = call_ip(talk=20) + call_ip(talk=5, v6=True) + call_ip(talk=3, fragment=True)
        if kind == "pcap":
            write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
        elif kind == "gz":
            write_pcap(str(p), LINK_SLL2, [(t, link(LINK_SLL2, f)) for t, f in pk], compress=True)
        else:
            write_pcapng(
                str(p),
                [(LINK_ETH, 6), (LINK_SLL2, 9)],
                [
                    (i % 2, t, link(LINK_SLL2 if i % 2 else LINK_ETH, f))
                    for i, (t, f) in enumerate(pk)
                ],
            )
    return p.read_bytes()


def _run(data: bytes) -> None:
    p = _DIR / "case"
    p.write_bytes(data)
    try:
        r = analyse_file(str(p))
    except CaptureError as e:
        assert "\n" not in e.message
        return
    r.to_dict()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _run(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["pcap", "pcapng", "gz"]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=40),
    st.integers(0, 10**6),
)
def test_mutated_captures(kind: str, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_seed(kind))
    for pos, val in flips:
        data[pos % len(data)] = val
    _run(bytes(data[: max(1, len(data) - cut % len(data))]))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_sip_parser_never_raises(data: bytes) -> None:
    msg = parse_message(b"INVITE sip:a@b SIP/2.0\r\n" + data)
    if msg is not None:
        _ = (msg.call_id, msg.cseq, msg.from_tag, msg.to_tag, msg.has_sdp, msg.label)
    parse_reason(data.decode("latin-1"))
