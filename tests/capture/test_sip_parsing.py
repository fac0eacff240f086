"""SIP and SDP parsing: Reason variants (RFC 3326), compact forms, Session-Expires, framing."""

from __future__ import annotations

import pytest

from dropwizard.capture.sdp import parse_sdp
from dropwizard.capture.sip import (
    frame_stream,
    parse_message,
    parse_reason,
    parse_session_expires,
    parse_via,
    user_host,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('Q.850;cause=16;text="NORMAL_CLEARING"', [("Q.850", 16, "NORMAL_CLEARING")]),
        ('Q.850 ;cause=16 ;text="local"', [("Q.850", 16, "local")]),
        ("q.850;cause=21", [("Q.850", 21, None)]),
        (
            'SIP ;cause=200 ;text="Call completed elsewhere"',
            [("SIP", 200, "Call completed elsewhere")],
        ),
        (
            'SIP;cause=487;text="x, y", Q.850;cause=102 ; text="Recovery on timer expiry"',
            [("SIP", 487, "x, y"), ("Q.850", 102, "Recovery on timer expiry")],
        ),
        ("Q.850;cause=34;location=LN", [("Q.850", 34, None)]),
        ('Q.850; cause = 41 ; text = "a;b"', [("Q.850", 41, "a;b")]),
        ("SIP", [("SIP", None, None)]),
    ],
)
def test_reason_variants(value: str, expected: list) -> None:
    got = [(r.protocol, r.cause, r.text) for r in parse_reason(value)]
    assert got == expected


def test_reason_location_param_kept() -> None:
    (r,) = parse_reason("Q.850;cause=34;location=LN")
    assert r.params["location"] == "LN"


@pytest.mark.parametrize(
    ("value", "se", "ref"),
    [
        ("1800;refresher=uac", 1800, "uac"),
        ("90 ; refresher = UAS", 90, "uas"),
        ("600", 600, None),
        ("x", None, None),
    ],
)
def test_session_expires(value: str, se: int | None, ref: str | None) -> None:
    assert parse_session_expires(value) == (se, ref)


def test_compact_forms_and_folding() -> None:
    raw = (
        b"BYE sip:a@b SIP/2.0\r\ni: abc@x\r\nf: <sip:1@h>;tag=1\r\nt: <sip:2@h>;tag=2\r\n"
        b"CSeq: 4 BYE\r\nReason: Q.850\r\n ;cause=102\r\nl: 0\r\n\r\n"
    )
    m = parse_message(raw)
    assert m is not None and m.call_id == "abc@x" and m.cseq == (4, "BYE")
    assert (m.from_tag, m.to_tag) == ("1", "2")
    assert parse_reason(m.get("reason"))[0].cause == 102


def test_not_sip() -> None:
    assert parse_message(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") is None
    assert parse_message(b"SIP/2.0 2000 OK\r\n\r\n") is None
    assert parse_message(b"") is None


def test_user_host() -> None:
    assert user_host('"Al" <sip:1001@10.0.0.1:5060;user=phone>;tag=x') == "1001@10.0.0.1:5060"
    assert user_host("sip:2002@h;tag=y") == "2002@h"
    assert user_host("<tel:+15551234>") == "+15551234"


def test_frame_stream_content_length() -> None:
    a = b"SIP/2.0 180 Ringing\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n"
    b = b"SIP/2.0 200 OK\r\nCall-ID: 1\r\nl: 5\r\n\r\nhello"
    buf = bytearray(b"\r\n" + a + b + b[:10])
    assert frame_stream(buf) == [a, b]
    assert bytes(buf) == b[:10]
    buf += b[10:]
    assert frame_stream(buf) == [b] and not buf


def test_sdp_hold_and_rtpmap() -> None:
    body = (
        b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=sendonly\r\n"
        b"m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n"
        b"m=video 5000 RTP/AVP 96\r\nc=IN IP4 10.9.9.9\r\n"
    )
    s = parse_sdp(body)
    assert s is not None
    assert (s.addr, s.port, s.direction, s.ptime) == ("10.0.0.1", 4000, "sendonly", 30)
    assert s.codecs() == ["PCMA", "telephone-event"]
    old_hold = parse_sdp(b"v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n")
    assert old_hold is not None and old_hold.direction == "inactive"
    assert parse_sdp(b"v=0\r\nm=video 1 RTP/AVP 96\r\n") is None


def test_via() -> None:
    v = parse_via("SIP/2.0/udp 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=40112")
    assert v == {
        "transport": "UDP",
        "sent_by": "10.0.0.5:5060",
        "received": "203.0.113.9",
        "rport": "40112",
    }
