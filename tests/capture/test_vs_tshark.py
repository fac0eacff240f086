"""Stream figures agree with `tshark -q -z rtp,streams` on the same files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from support import require_binary

from dropwizard.capture import analyse_file

from .pcapbuild import (
    LINK_ETH,
    LINK_RAW,
    LINK_SLL,
    LINK_SLL2,
    call_messages,
    ipv4,
    link,
    rtp,
    sip,
    udp,
    write_pcap,
)
from .tshark import compare, rtp_streams

T0 = 1_764_331_200.0
A, B = "192.0.2.1", "192.0.2.2"


@pytest.mark.parametrize("linktype", [LINK_ETH, LINK_SLL, LINK_SLL2, LINK_RAW])
def test_wrap_loss_jitter_match_tshark(tmp_path: Path, linktype: int) -> None:
    tshark = require_binary("tshark")
    rng = random.Random(7)
    m = call_messages((A, 40000), (B, 50000))
    pk = [
        (T0, ipv4(A, B, 17, udp(5060, 5060, m["invite"]))),
        (T0 + 0.4, ipv4(B, A, 17, udp(5060, 5060, m["ok"]))),
        (T0 + 0.41, ipv4(A, B, 17, udp(5060, 5060, m["ack"]))),
    ]
    # caller: seq and timestamp wrap, 2% loss, up to 8 ms of arrival jitter
    t = T0 + 1
    for i in range(1500):
        if rng.random() < 0.02:
            continue
        at = t + i * 0.02 + rng.uniform(0, 0.008)
        pk.append(
            (at, ipv4(A, B, 17, udp(40000, 50000, rtp(65000 + i, 0xFFFF0000 + 160 * i, 0xAA))))
        )
    # callee: a 1.5 s hole in the middle, steady otherwise
    for i in range(1500):
        if 600 <= i < 675:
            continue
        pk.append((t + 0.003 + i * 0.02, ipv4(B, A, 17, udp(50000, 40000, rtp(i, 160 * i, 0xBB)))))
    pk.append((T0 + 32, ipv4(A, B, 17, udp(5060, 5060, m["bye"]))))
    pk.sort(key=lambda x: x[0])
    p = tmp_path / "cmp.pcap"
    write_pcap(str(p), linktype, [(x, link(linktype, f)) for x, f in pk])
    r = analyse_file(str(p))
    theirs = rtp_streams(tshark, str(p))
    assert compare(r.streams, theirs) == 2
    hole = next(s for s in r.streams if s["ssrc"] == "0x000000BB")
    assert hole["lost"] == 75 and abs(hole["max_gap_s"] - 1.52) < 1e-6


def test_many_streams_match_tshark(tmp_path: Path) -> None:
    tshark = require_binary("tshark")
    rng = random.Random(3)
    pk = []
    for c in range(20):
        a, b = f"10.0.{c}.1", f"10.1.{c}.1"
        cid = f"c{c}@x"
        inv = sip(
            "INVITE sip:2002@10.1.0.1 SIP/2.0",
            "1 INVITE",
            call_id=cid,
            to_tag=False,
            body=f"v=0\r\nc=IN IP4 {a}\r\nm=audio {20000 + 2 * c} RTP/AVP 8\r\n",
        )
        ok = sip(
            "SIP/2.0 200 OK",
            "1 INVITE",
            call_id=cid,
            body=f"v=0\r\nc=IN IP4 {b}\r\nm=audio {30000 + 2 * c} RTP/AVP 8\r\n",
        )
        pk += [
            (T0 + c * 0.01, ipv4(a, b, 17, udp(5060, 5060, inv))),
            (T0 + c * 0.01 + 0.005, ipv4(b, a, 17, udp(5060, 5060, ok))),
        ]
        seq0, ts0 = rng.getrandbits(16), rng.getrandbits(32)
        for i in range(300):
            if rng.random() < 0.01:
                continue
            at = T0 + 0.5 + c * 0.0007 + i * 0.02 + rng.uniform(0, 0.004)
            pk.append(
                (
                    at,
                    ipv4(
                        a,
                        b,
                        17,
                        udp(
                            20000 + 2 * c,
                            30000 + 2 * c,
                            rtp(seq0 + i, ts0 + 160 * i, 1000 + c, pt=8),
                        ),
                    ),
                )
            )
    pk.sort(key=lambda x: x[0])
    p = tmp_path / "many.pcap"
    write_pcap(str(p), LINK_ETH, [(x, link(LINK_ETH, f)) for x, f in pk])
    r = analyse_file(str(p))
    assert compare(r.streams, rtp_streams(tshark, str(p))) == 20
