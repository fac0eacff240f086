"""Build captures byte by byte for cases live peers cannot produce easily.

IP packets are built first (`ipv4`, `ipv6`), then wrapped in a link layer and written as pcap
(either byte order, micro or nanoseconds, optionally gzip) or pcapng (several interfaces).
"""

from __future__ import annotations

import gzip
import socket
import struct
from collections.abc import Iterable

LINK_ETH, LINK_RAW, LINK_SLL, LINK_SLL2, LINK_NULL = 1, 101, 113, 276, 0


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport: int, dport: int, seq: int, payload: bytes, flags: int = 0x18) -> bytes:
    return struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def ipv4(
    src: str,
    dst: str,
    proto: int,
    payload: bytes,
    *,
    ident: int = 1,
    frag: int = 0,
    mf: bool = False,
) -> bytes:
    flags = (0x2000 if mf else 0) | (frag // 8)
    return (
        struct.pack(
            ">BBHHHBBH4s4s",
            0x45,
            0,
            20 + len(payload),
            ident,
            flags,
            64,
            proto,
            0,
            socket.inet_aton(src),
            socket.inet_aton(dst),
        )
        + payload
    )


def ipv4_fragments(
    src: str, dst: str, proto: int, payload: bytes, ident: int, size: int = 504
) -> list[bytes]:
    """Fragments of one datagram (size a multiple of 8)."""
    out = []
    for off in range(0, len(payload), size):
        piece = payload[off : off + size]
        out.append(
            ipv4(src, dst, proto, piece, ident=ident, frag=off, mf=off + size < len(payload))
        )
    return out


def ipv6(src: str, dst: str, nh: int, payload: bytes) -> bytes:
    return (
        struct.pack(">IHBB", 6 << 28, len(payload), nh, 64)
        + socket.inet_pton(socket.AF_INET6, src)
        + socket.inet_pton(socket.AF_INET6, dst)
        + payload
    )


def link(linktype: int, ip: bytes, *, vlan: int | None = None) -> bytes:
    v6 = ip[0] >> 4 == 6
    et = 0x86DD if v6 else 0x0800
    if linktype == LINK_ETH:
        head = b"\x00\x01\x02\x03\x04\x05\x00\x0a\x0b\x0c\x0d\x0e"
        if vlan is not None:
            head += struct.pack(">HH", 0x8100, vlan)
        return head + struct.pack(">H", et) + ip
    if linktype == LINK_SLL:
        return struct.pack(">HHH8sH", 0, 772, 6, b"\x00" * 8, et) + ip
    if linktype == LINK_SLL2:
        return struct.pack(">HHIHBB8s", et, 0, 1, 772, 0, 6, b"\x00" * 8) + ip
    if linktype == LINK_NULL:
        return struct.pack("<I", 30 if v6 else 2) + ip
    return ip


def rtp(seq: int, ts: int, ssrc: int, pt: int = 0, marker: bool = False, size: int = 160) -> bytes:
    return (
        struct.pack(
            ">BBHII", 0x80, pt | (0x80 if marker else 0), seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc
        )
        + b"\xff" * size
    )


def write_pcap(
    path: str,
    linktype: int,
    packets: Iterable[tuple[float, bytes]],
    *,
    big_endian: bool = False,
    nano: bool = False,
    compress: bool = False,
    snaplen: int = 65535,
) -> None:
    o = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    data = bytearray(struct.pack(o + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
    for t, frame in packets:
        sec = int(t)
        frac = round((t - sec) * (1e9 if nano else 1e6))
        cap = frame[:snaplen]
        data += struct.pack(o + "IIII", sec, frac, len(cap), len(frame)) + cap
    raw = bytes(data)
    with open(path, "wb") as f:
        f.write(gzip.compress(raw) if compress else raw)


def _opt(code: int, value: bytes) -> bytes:
    pad = (4 - len(value) % 4) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * pad


def _block(btype: int, body: bytes) -> bytes:
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(
    path: str,
    interfaces: list[tuple[int, int]],
    packets: Iterable[tuple[int, float, bytes]],
) -> None:
    """interfaces: (linktype, tsresol exponent of 10); packets: (interface, time, frame)."""
    out = bytearray(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    for lt, res in interfaces:
        opts = _opt(9, bytes([res])) + _opt(0, b"") if res != 6 else b""
        out += _block(1, struct.pack("<HHI", lt, 0, 65535) + opts)
    for iface, t, frame in packets:
        res = interfaces[iface][1]
        units = round(t * 10**res)
        pad = (4 - len(frame) % 4) % 4
        body = struct.pack("<IIIII", iface, units >> 32, units & 0xFFFFFFFF, len(frame), len(frame))
        out += _block(6, body + frame + b"\x00" * pad)
    with open(path, "wb") as f:
        f.write(out)


def sdp(addr: str, port: int, direction: str = "sendrecv", pts: str = "0 13") -> str:
    ipv = "IP6" if ":" in addr else "IP4"
    return (
        f"v=0\r\no=- 1 1 IN {ipv} {addr}\r\ns=-\r\nc=IN {ipv} {addr}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP {pts}\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na={direction}\r\n"
    )


def sip(
    first: str,
    cseq: str,
    *,
    call_id: str = "call-1@test",
    to_tag: bool = True,
    body: str = "",
    extra: str = "",
    compact: bool = False,
    pad: int = 0,
) -> bytes:
    """A SIP message between 1001 (tag a1) and 2002 (tag b2); `pad` adds a long header."""
    h = {
        "via": "v" if compact else "Via",
        "from": "f" if compact else "From",
        "to": "t" if compact else "To",
        "cid": "i" if compact else "Call-ID",
        "ctype": "c" if compact else "Content-Type",
        "clen": "l" if compact else "Content-Length",
    }
    lines = [
        first,
        f"{h['via']}: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{abs(hash((call_id, cseq))) % 10**8}",
        f"{h['from']}: <sip:1001@192.0.2.1>;tag=a1",
        f"{h['to']}: <sip:2002@192.0.2.2>" + (";tag=b2" if to_tag else ""),
        f"{h['cid']}: {call_id}",
        f"CSeq: {cseq}",
    ]
    if pad:
        lines.append("X-Padding: " + "p" * pad)
    if extra:
        lines.extend(extra.strip("\r\n").split("\r\n"))
    if body:
        lines.append(f"{h['ctype']}: application/sdp")
    lines.append(f"{h['clen']}: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def call_messages(
    caller_media: tuple[str, int],
    callee_media: tuple[str, int],
    *,
    call_id: str = "call-1@test",
    pad: int = 0,
    compact: bool = False,
) -> dict[str, bytes]:
    """INVITE .. BYE of one call, both SDPs included."""
    kw = {"call_id": call_id, "compact": compact}
    return {
        "invite": sip(
            "INVITE sip:2002@192.0.2.2 SIP/2.0",
            "1 INVITE",
            to_tag=False,
            body=sdp(*caller_media),
            pad=pad,
            extra="User-Agent: built-caller\r\nSession-Expires: 1800\r\nSupported: timer",
            **kw,
        ),
        "ringing": sip("SIP/2.0 180 Ringing", "1 INVITE", **kw),
        "ok": sip(
            "SIP/2.0 200 OK",
            "1 INVITE",
            body=sdp(*callee_media),
            extra="Session-Expires: 1800;refresher=uac\r\nServer: built-callee",
            **kw,
        ),
        "ack": sip("ACK sip:2002@192.0.2.2 SIP/2.0", "1 ACK", **kw),
        "bye": sip(
            "BYE sip:2002@192.0.2.2 SIP/2.0",
            "2 BYE",
            extra='Reason: Q.850 ;cause=16 ;text="Normal call clearing"',
            **kw,
        ),
        "bye_ok": sip("SIP/2.0 200 OK", "2 BYE", **kw),
    }


def rtp_run(
    t0: float,
    n: int,
    seq0: int,
    ts0: int,
    ssrc: int,
    *,
    skip: Iterable[int] = (),
    pt: int = 0,
    interval: float = 0.02,
    step: int = 160,
) -> list[tuple[float, bytes]]:
    """n RTP payloads 20 ms apart (packet indexes in `skip` are lost)."""
    lost = set(skip)
    return [
        (t0 + i * interval, rtp(seq0 + i, ts0 + i * step, ssrc, pt, marker=i == 0))
        for i in range(n)
        if i not in lost
    ]


def ipv6_fragments(
    src: str, dst: str, nh: int, payload: bytes, ident: int, size: int = 504
) -> list[bytes]:
    """IPv6 fragments (fragment extension header 44) of one datagram."""
    out = []
    for off in range(0, len(payload), size):
        piece = payload[off : off + size]
        more = 1 if off + size < len(payload) else 0
        frag = struct.pack(">BBHI", nh, 0, off | more, ident)
        out.append(ipv6(src, dst, 44, frag + piece))
    return out
