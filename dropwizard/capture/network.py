"""Link layers, IPv4/IPv6 headers, IP fragment reassembly and TCP stream reassembly for SIP."""

from __future__ import annotations

import socket
import struct

from dropwizard.capture.sip import frame_stream, looks_like_sip

ETH_VLAN = (0x8100, 0x88A8, 0x9100)
IPV6_EXT = frozenset({0, 43, 60, 51})
SIP_PORTS = frozenset({5060, 5061, 5062, 5070, 5080})
LINK_NAMES = {
    0: "BSD loopback",
    1: "Ethernet",
    12: "raw IP",
    14: "raw IP",
    101: "raw IP",
    108: "OpenBSD loopback",
    113: "Linux cooked (SLL)",
    228: "IPv4",
    229: "IPv6",
    276: "Linux cooked v2 (SLL2)",
}
_H = struct.Struct(">H").unpack_from
_I = struct.Struct(">I").unpack_from
_U32LE = struct.Struct("<I").unpack_from


def ip_start(linktype: int, buf: bytes, off: int, end: int) -> tuple[int, int]:
    """(IP version 4 or 6, offset of the IP header) for a link-layer frame; (0, 0) when not IP."""
    if linktype == 1:
        if end - off < 14:
            return 0, 0
        et = _H(buf, off + 12)[0]
        o = off + 14
        while et in ETH_VLAN and end - o >= 4:
            et = _H(buf, o + 2)[0]
            o += 4
    elif linktype == 113:
        if end - off < 16:
            return 0, 0
        et = _H(buf, off + 14)[0]
        o = off + 16
    elif linktype == 276:
        if end - off < 20:
            return 0, 0
        et = _H(buf, off)[0]
        o = off + 20
    elif linktype in (101, 12, 14, 228, 229):
        if end <= off:
            return 0, 0
        v = buf[off] >> 4
        return (v, off) if v in (4, 6) else (0, 0)
    elif linktype in (0, 108):
        if end - off < 4:
            return 0, 0
        af = _I(buf, off)[0] if linktype == 108 else _U32LE(buf, off)[0]
        if af > 0xFFFF:
            af = _I(buf, off)[0]
        o = off + 4
        if af == 2:
            return 4, o
        if af in (10, 24, 28, 30):
            return 6, o
        return 0, 0
    else:
        return 0, 0
    if et == 0x0800:
        return 4, o
    if et == 0x86DD:
        return 6, o
    return 0, 0


_names: dict[bytes, str] = {}


def addr_str(raw: bytes) -> str:
    """Printable address for 4 or 16 raw bytes (cached)."""
    s = _names.get(raw)
    if s is None:
        s = socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)
        if len(_names) < 100_000:
            _names[raw] = s
    return s


class Reassembler:
    """IPv4/IPv6 fragment reassembly, bounded in entries and age."""

    MAX_PENDING = 4096
    MAX_AGE = 30.0

    def __init__(self) -> None:
        self.pending: dict[tuple[bytes, bytes, int, int], list] = {}
        self.completed = 0
        self.dropped = 0
        self._adds = 0

    def add(
        self, t: float, key: tuple[bytes, bytes, int, int], offset: int, more: bool, data: bytes
    ) -> bytes | None:
        """Add a fragment; the whole payload once every piece is there."""
        self._adds += 1
        if self._adds % 1024 == 0:
            self._expire(t)
        entry = self.pending.get(key)
        if entry is None:
            if len(self.pending) >= self.MAX_PENDING:
                self._expire(t, force=True)
            entry = [t, None, {}]
            self.pending[key] = entry
        if not more:
            entry[1] = offset + len(data)
        pieces: dict[int, bytes] = entry[2]
        pieces[offset] = data
        total = entry[1]
        if total is None:
            return None
        pos = 0
        for off in sorted(pieces):
            if off > pos:
                return None
            pos = max(pos, off + len(pieces[off]))
        if pos < total:
            return None
        out = bytearray(total)
        for off in sorted(pieces):
            piece = pieces[off][: max(0, total - off)]
            out[off : off + len(piece)] = piece
        del self.pending[key]
        self.completed += 1
        return bytes(out)

    def _expire(self, t: float, force: bool = False) -> None:
        old = [k for k, v in self.pending.items() if t - v[0] > self.MAX_AGE]
        if force and not old:
            old = list(self.pending)[: len(self.pending) // 2]
        for k in old:
            del self.pending[k]
            self.dropped += 1


class TcpStream:
    """One direction of a TCP connection carrying SIP, reassembled by sequence number."""

    MAX_BUF = 256 * 1024
    __slots__ = ("buf", "next_seq", "pending")

    def __init__(self) -> None:
        self.next_seq: int | None = None
        self.buf = bytearray()
        self.pending: dict[int, bytes] = {}

    def add(self, seq: int, syn: bool, data: bytes) -> list[bytes]:
        """Add a segment; the complete SIP messages it finishes."""
        if syn:
            self.next_seq = (seq + 1) & 0xFFFFFFFF
            if not data:
                return []
            seq = self.next_seq
        if not data:
            return []
        if self.next_seq is None:
            if not looks_like_sip(data.lstrip(b"\r\n")):
                return []
            self.next_seq = seq
        rel = (seq - self.next_seq) & 0xFFFFFFFF
        if rel == 0:
            self._append(data)
        elif rel < 0x80000000:
            if rel < 4 * self.MAX_BUF and len(self.pending) < 256:
                self.pending[seq] = data
            return []
        else:
            back = 0x100000000 - rel
            if back >= len(data):
                return []
            self._append(data[back:])
        while self.pending:
            nxt = self.pending.pop(self.next_seq, None)
            if nxt is None:
                break
            self._append(nxt)
        msgs = frame_stream(self.buf)
        if len(self.buf) >= 16 and not looks_like_sip(bytes(self.buf[:16])):
            self.buf.clear()
        return msgs

    def _append(self, data: bytes) -> None:
        self.next_seq = ((self.next_seq or 0) + len(data)) & 0xFFFFFFFF
        if len(self.buf) + len(data) > self.MAX_BUF:
            self.buf.clear()
        self.buf += data
