"""Built captures: link types, pcapng, byte orders, fragments, TCP framing, wraps, truncation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import require_binary

from dropwizard.capture import CaptureError, analyse_file
from dropwizard.cli import main

from .pcapbuild import (
    LINK_ETH,
    LINK_NULL,
    LINK_RAW,
    LINK_SLL,
    LINK_SLL2,
    call_messages,
    ipv4,
    ipv4_fragments,
    ipv6,
    ipv6_fragments,
    link,
    rtp_run,
    sip,
    tcp,
    udp,
    write_pcap,
    write_pcapng,
)

T0 = 1_764_331_200.0
A4, B4 = "192.0.2.1", "192.0.2.2"
A6, B6 = "2001:db8::1", "2001:db8::2"


def call_ip(
    *, v6: bool = False, transport: str = "udp", fragment: bool = False, talk: int = 150
) -> list[tuple[float, bytes]]:
    """One complete call (SIP + RTP both ways) as timed IP packets."""
    a, b = (A6, B6) if v6 else (A4, B4)
    ip = (lambda s, d, p, pl: ipv6(s, d, p, pl)) if v6 else (lambda s, d, p, pl: ipv4(s, d, p, pl))
    m = call_messages((a, 40000), (b, 50000), pad=1800 if fragment else 0)
    out: list[tuple[float, bytes]] = []
    order = [("invite", a, b, 0.0), ("ringing", b, a, 0.2), ("ok", b, a, 1.0), ("ack", a, b, 1.01)]
    bye_t = 1.1 + talk * 0.02 + 0.5
    order += [("bye", a, b, bye_t), ("bye_ok", b, a, bye_t + 0.01)]
    seq = {a: 1000, b: 7000}
    for name, s, d, dt in order:
        msg = m[name]
        if transport == "tcp":
            out.append((T0 + dt, ip(s, d, 6, tcp(5060, 5060, seq[s], msg))))
            seq[s] += len(msg)
        elif fragment and len(msg) > 1400:
            frags = ipv4_fragments(s, d, 17, udp(5060, 5060, msg), ident=77)
            for k, f in enumerate(reversed(frags)):
                out.append((T0 + dt + k * 1e-4, f))
        else:
            out.append((T0 + dt, ip(s, d, 17, udp(5060, 5060, msg))))
    for t, p in rtp_run(T0 + 1.1, talk, 100, 1000, 0xAAAA):
        out.append((t, ip(a, b, 17, udp(40000, 50000, p))))
    for t, p in rtp_run(T0 + 1.105, talk, 200, 5000, 0xBBBB):
        out.append((t, ip(b, a, 17, udp(50000, 40000, p))))
    out.sort(key=lambda x: x[0])
    return out


def check_call(r, talk: int = 150) -> None:
    assert len(r.calls) == 1, r.warnings
    c = r.calls[0]
    assert c["final_status"] == 200 and c["pdd_ms"] == pytest.approx(200, abs=1)
    assert c["bye"]["by"] == "caller" and c["bye"]["q850_cause"] == 16
    assert c["user_agents"] == {"caller": "built-caller", "callee": "built-callee"}
    assert c["vias"]["caller"]["sent_by"] == "192.0.2.1:5060"
    dirs = {s["direction"]: s for s in c["streams"]}
    assert dirs["caller->callee"]["packets"] == talk and dirs["caller->callee"]["lost"] == 0
    assert dirs["callee->caller"]["packets"] == talk
    assert dirs["caller->callee"]["jitter_ms"] < 0.01
    assert c["verdict"]["stopped"] is False
    assert r.orphan_streams == []


@pytest.mark.parametrize("linktype", [LINK_ETH, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL])
def test_link_types(tmp_path: Path, linktype: int) -> None:
    p = tmp_path / "c.pcap"
    write_pcap(str(p), linktype, [(t, link(linktype, f)) for t, f in call_ip()])
    check_call(analyse_file(str(p)))


def test_vlan_tagged_ethernet(tmp_path: Path) -> None:
    p = tmp_path / "vlan.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f, vlan=42)) for t, f in call_ip()])
    check_call(analyse_file(str(p)))


@pytest.mark.parametrize("linktype", [LINK_ETH, LINK_SLL2])
def test_ipv6(tmp_path: Path, linktype: int) -> None:
    p = tmp_path / "v6.pcap"
    write_pcap(str(p), linktype, [(t, link(linktype, f)) for t, f in call_ip(v6=True)])
    r = analyse_file(str(p))
    check_call(r)
    assert r.calls[0]["caller"] == "[2001:db8::1]:5060"
    assert r.calls[0]["sdp"]["caller"]["addr"] == A6


def test_fragmented_sip_is_reassembled(tmp_path: Path) -> None:
    p = tmp_path / "frag.pcap"
    pkts = call_ip(fragment=True)
    assert sum(1 for _t, f in pkts if f[6] & 0x20) >= 3  # the padded INVITE, sent last piece first
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pkts])
    r = analyse_file(str(p))
    check_call(r)
    assert r.summary["ip_fragments_reassembled"] == 1
    assert r.calls[0]["sdp"]["caller"]["port"] == 40000


def test_sip_over_tcp_split_and_coalesced(tmp_path: Path) -> None:
    m = call_messages((A4, 40000), (B4, 50000), call_id="tcp-1@test")
    inv = m["invite"]
    seq_a, seq_b = 1000, 9000
    pk: list[tuple[float, bytes]] = [
        (T0, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a - 1, b"", flags=0x02))),
        (T0 + 0.001, ipv4(B4, A4, 6, tcp(5060, 40001, seq_b - 1, b"", flags=0x12))),
    ]
    # the INVITE in three segments, the middle one sent twice and the last before the middle
    cut1, cut2 = 100, len(inv) - 40
    pk.append((T0 + 0.01, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a, inv[:cut1]))))
    pk.append((T0 + 0.02, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a + cut2, inv[cut2:]))))
    pk.append((T0 + 0.03, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a + cut1, inv[cut1:cut2]))))
    pk.append((T0 + 0.04, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a + cut1, inv[cut1:cut2]))))
    seq_a += len(inv)
    # 180 and 200 in one segment, then the ACK glued to a CRLF keepalive
    both = m["ringing"] + m["ok"]
    pk.append((T0 + 0.5, ipv4(B4, A4, 6, tcp(5060, 40001, seq_b, both))))
    seq_b += len(both)
    ack = b"\r\n\r\n" + m["ack"]
    pk.append((T0 + 0.6, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a, ack))))
    seq_a += len(ack)
    pk.append((T0 + 5.0, ipv4(A4, B4, 6, tcp(40001, 5060, seq_a, m["bye"]))))
    pk.append((T0 + 5.01, ipv4(B4, A4, 6, tcp(5060, 40001, seq_b, m["bye_ok"]))))
    p = tmp_path / "tcp.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
    r = analyse_file(str(p))
    assert len(r.calls) == 1
    c = r.calls[0]
    labels = [e["msg"] for e in c["timeline"]]
    assert labels == ["INVITE SDP", "180 Ringing", "200 OK SDP", "ACK", "BYE", "200 OK (BYE)"]
    assert c["pdd_ms"] == pytest.approx(470, abs=1)  # the INVITE is whole once the middle arrives
    assert c["ack"]["seen"] and c["bye"]["by"] == "caller"


def test_pcapng_two_interfaces_and_resolutions(tmp_path: Path) -> None:
    pk = call_ip()
    # SIP on an Ethernet interface (microseconds), RTP on a raw-IP one (nanoseconds)
    rows = []
    for t, f in pk:
        is_sip = f[9] == 17 and 5060 in (
            int.from_bytes(f[20:22], "big"),
            int.from_bytes(f[22:24], "big"),
        )
        rows.append((0, t, link(LINK_ETH, f)) if is_sip else (1, t, link(LINK_RAW, f)))
    p = tmp_path / "two.pcapng"
    write_pcapng(str(p), [(LINK_ETH, 6), (LINK_RAW, 9)], rows)
    r = analyse_file(str(p))
    check_call(r)
    assert r.summary["format"] == "pcapng"
    assert r.summary["link_types"] == ["Ethernet", "raw IP"]
    st = r.calls[0]["streams"][0]
    assert st["first"].startswith("2025-11-28T12:00:01.10")


@pytest.mark.parametrize(("big", "nano"), [(True, False), (False, True), (True, True)])
def test_byte_orders_and_nanoseconds(tmp_path: Path, big: bool, nano: bool) -> None:
    p = tmp_path / "o.pcap"
    write_pcap(
        str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in call_ip()], big_endian=big, nano=nano
    )
    r = analyse_file(str(p))
    check_call(r)
    assert r.calls[0]["setup"] == "2025-11-28T12:00:00.000Z"
    assert r.calls[0]["answered"] == "2025-11-28T12:00:01.000Z"


def test_gzip(tmp_path: Path) -> None:
    p = tmp_path / "c.pcap.gz"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in call_ip()], compress=True)
    r = analyse_file(str(p))
    check_call(r)
    assert r.summary["compressed"] is True


def test_sequence_and_timestamp_wrap_with_loss(tmp_path: Path) -> None:
    a, b = A4, B4
    m = call_messages((a, 40000), (b, 50000))
    pk = [
        (T0, ipv4(a, b, 17, udp(5060, 5060, m["invite"]))),
        (T0 + 0.5, ipv4(b, a, 17, udp(5060, 5060, m["ok"]))),
        (T0 + 0.51, ipv4(a, b, 17, udp(5060, 5060, m["ack"]))),
    ]
    # seq crosses 65535 -> 0 and the timestamp crosses 2^32 -> 0; three packets are lost
    run = rtp_run(T0 + 1, 300, 65400, 0xFFFFFFFF - 160 * 150, 0xCAFE, skip=(120, 140, 141))
    pk += [(t, ipv4(a, b, 17, udp(40000, 50000, x))) for t, x in run]
    pk.append((T0 + 7.5, ipv4(a, b, 17, udp(5060, 5060, m["bye"]))))
    p = tmp_path / "wrap.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
    s = analyse_file(str(p)).calls[0]["streams"][0]
    assert (s["packets"], s["expected"], s["lost"], s["duplicates"]) == (297, 300, 3, 0)
    assert s["jitter_ms"] < 0.01
    assert s["max_gap_s"] == pytest.approx(0.06, abs=1e-3)


def test_duplicates_and_reordering(tmp_path: Path) -> None:
    run = rtp_run(T0, 50, 10, 0, 0xD0D0)
    run.insert(20, run[18])  # a late duplicate of packet 18
    run.insert(30, run[30])  # an immediate duplicate
    run[40], run[41] = run[41], run[40]  # reordered
    pk = [(T0 + i * 0.02, ipv4(A4, B4, 17, udp(40000, 50000, x))) for i, (_t, x) in enumerate(run)]
    p = tmp_path / "dup.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
    r = analyse_file(str(p))
    (s,) = r.orphan_streams
    assert (s["packets"], s["duplicates"], s["late"], s["lost"]) == (52, 2, 1, 0)


def test_truncated_file_gives_results_so_far(tmp_path: Path) -> None:
    p = tmp_path / "cut.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in call_ip()])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 150])  # the last record loses part of its bytes
    r = analyse_file(str(p))
    assert len(r.calls) == 1 and r.calls[0]["final_status"] == 200
    assert any("ends mid-packet" in w for w in r.warnings)
    png = tmp_path / "cut.pcapng"
    write_pcapng(str(png), [(LINK_ETH, 6)], [(0, t, link(LINK_ETH, f)) for t, f in call_ip()])
    d = png.read_bytes()
    png.write_bytes(d[:-100])
    r = analyse_file(str(png))
    assert len(r.calls) == 1 and any("ends mid-block" in w for w in r.warnings)
    gz = tmp_path / "cut.pcap.gz"
    write_pcap(str(gz), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in call_ip()], compress=True)
    gz.write_bytes(gz.read_bytes()[:-300])
    r = analyse_file(str(gz))
    assert r.warnings and r.summary["packets"] > 100


@pytest.mark.parametrize(
    "content", [b"", b"hello world, not a capture\n", b"\xd4\xc3\xb2\xa1\x02\x00", b"\x1f\x8bxx"]
)
def test_not_a_capture_is_one_line_error(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "x.pcap"
    p.write_bytes(content)
    with pytest.raises(CaptureError) as e:
        analyse_file(str(p))
    assert "\n" not in e.value.message and str(p) in e.value.message
    assert main(["capture", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dropwizard: ") and "Traceback" not in err


def test_not_a_capture_exit_code_of_the_program(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("not a capture\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dropwizard", "capture", str(p)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a pcap or pcapng capture" in proc.stderr


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot open"):
        analyse_file(str(tmp_path / "nope.pcap"))


def test_compact_headers(tmp_path: Path) -> None:
    m = call_messages((A4, 40000), (B4, 50000), compact=True)
    pk = [
        (
            T0 + i * 0.1,
            ipv4(
                A4 if k in ("invite", "ack", "bye") else B4,
                B4 if k in ("invite", "ack", "bye") else A4,
                17,
                udp(5060, 5060, m[k]),
            ),
        )
        for i, k in enumerate(["invite", "ringing", "ok", "ack", "bye", "bye_ok"])
    ]
    p = tmp_path / "compact.pcap"
    write_pcap(str(p), LINK_RAW, pk)
    c = analyse_file(str(p)).calls[0]
    assert c["call_id"] == "call-1@test" and c["final_status"] == 200
    assert c["sdp"]["callee"]["port"] == 50000 and c["bye"]["by"] == "caller"


def test_sip_on_odd_port_is_found(tmp_path: Path) -> None:
    msg = sip("OPTIONS sip:x@192.0.2.2 SIP/2.0", "5 OPTIONS", call_id="o1")
    pk = [(T0, ipv4(A4, B4, 17, udp(40123, 45678, msg)))]
    p = tmp_path / "odd.pcap"
    write_pcap(str(p), LINK_RAW, pk)
    r = analyse_file(str(p))
    assert r.options[0]["target"] == f"{B4}:45678" and r.options[0]["sent"] == 1


def test_ipv6_fragmented_invite(tmp_path: Path) -> None:
    pk = call_ip(v6=True)
    m = call_messages((A6, 40000), (B6, 50000), pad=1800)
    frags = ipv6_fragments(A6, B6, 17, udp(5060, 5060, m["invite"]), ident=9)
    assert len(frags) >= 4
    pk = [(t, f) for t, f in pk if b"INVITE sip" not in f] + [
        (T0 + k * 1e-4, f) for k, f in enumerate(frags)
    ]
    p = tmp_path / "v6frag.pcap"
    write_pcap(
        str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in sorted(pk, key=lambda x: x[0])]
    )
    r = analyse_file(str(p))
    check_call(r)
    assert r.summary["ip_fragments_reassembled"] == 1


def test_reader_records_match_tshark_count(tmp_path: Path) -> None:
    from dropwizard.capture.reader import CaptureReader

    tshark = require_binary("tshark")
    for name, writer in (
        (
            "r.pcap",
            lambda p: write_pcap(p, LINK_SLL, [(t, link(LINK_SLL, f)) for t, f in call_ip()]),
        ),
        (
            "r.pcapng",
            lambda p: write_pcapng(
                p, [(LINK_ETH, 9)], [(0, t, link(LINK_ETH, f)) for t, f in call_ip()]
            ),
        ),
    ):
        p = str(tmp_path / name)
        writer(p)
        with CaptureReader(p) as rd:
            got = [(round(t, 6), lt, end - off) for t, lt, _b, off, end in rd.records()]
        out = subprocess.run(
            [tshark, "-r", p, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.cap_len"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        want = [(round(float(out[i]), 6), int(out[i + 1])) for i in range(0, len(out), 2)]
        assert [(t, n) for t, _lt, n in got] == want
