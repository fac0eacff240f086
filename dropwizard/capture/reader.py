"""Lean pcap / pcapng reader: big chunks, precompiled structs, no per-packet objects.

`CaptureReader.records()` yields `(ts, linktype, buf, off, end)` where `buf[off:end]`
is the captured packet inside a shared chunk; callers must not keep `buf`.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from dropwizard.capture.errors import CaptureError

CHUNK = 4 * 1024 * 1024
MAX_RECORD = 256 * 1024
"""Records claiming more captured bytes than this are treated as corruption."""

PCAP_MAGICS: dict[bytes, tuple[str, float]] = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"

Record = tuple[float, int, bytes, int, int]


class CaptureReader:
    """Reads one capture file; collects warnings instead of failing after the header."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.packets = 0
        self.bytes_read = 0
        self.format = ""
        self.linktypes: set[int] = set()
        try:
            self.size = os.path.getsize(path)
            raw = open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise CaptureError(f"{path}: cannot open ({exc.strerror or exc})") from None
        try:
            head = raw.read(4)
            if raw.seekable():
                raw.seek(0)
                src: BinaryIO | _Prefixed = raw
            else:
                src = _Prefixed(head, raw)
        except OSError as exc:
            raw.close()
            raise CaptureError(f"{path}: cannot read ({exc.strerror or exc})") from None
        self.compressed = head[:2] == GZIP_MAGIC
        self._f: BinaryIO | _Prefixed | _Gunzip = _Gunzip(src) if self.compressed else src
        self._raw = raw
        self.consumed = 0
        self.pcap_order = "<"
        self._head = b""
        self.pcap_rec: Callable[[bytes, int], tuple[int, ...]] = struct.Struct("<IIII").unpack_from

    def close(self) -> None:
        self._f.close()
        self._raw.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, n: int) -> bytes:
        try:
            data = self._f.read(n)
        except (EOFError, zlib.error, OSError) as exc:
            if self.bytes_read == 0:
                raise CaptureError(
                    f"{self.path}: damaged gzip data ({exc}); decompress it with gzip -d to check"
                ) from None
            self.warnings.append(
                f"compressed data damaged after {self.bytes_read} bytes ({exc}): results so far"
            )
            return b""
        self.bytes_read += len(data)
        if not data and isinstance(self._f, _Gunzip) and self._f.cut:
            self.warnings.append(
                f"compressed data ends early after {self.bytes_read} bytes: results so far"
            )
            self._f.cut = False
        return data

    def records(self) -> Iterator[Record]:
        """Every record of the file as `(ts, linktype, buf, off, end)`."""
        opened = self.open_pcap()
        if opened is None:
            yield from self._pcapng(self._head)
            return
        linktype, mult, rec = opened
        for buf, start in self.pcap_chunks():
            pos = start
            size = len(buf)
            while pos + 16 <= size:
                ts_s, ts_f, incl, _orig = rec(buf, pos)
                end = pos + 16 + incl
                if end > size or incl > MAX_RECORD:
                    break
                self.packets += 1
                yield ts_s + ts_f * mult, linktype, buf, pos + 16, end
                pos = end
            self.consumed = pos

    def pcap_chunks(self) -> Iterator[tuple[bytes, int]]:
        """For a classic pcap: yields `(buf, pos)`; the caller walks records from `pos` and sets
        `self.consumed` to the offset of the first record it could not finish."""
        if self.format != "pcap":
            raise ValueError("not a pcap file")
        read = self._read
        buf = b""
        pos = 0
        offset = 24
        while True:
            chunk = read(CHUNK)
            if not chunk:
                break
            buf = buf[pos:] + chunk if pos < len(buf) else chunk
            self.consumed = 0
            yield buf, 0
            pos = self.consumed
            if pos + 16 <= len(buf):
                incl = self.pcap_rec(buf, pos)[2]
                if incl > MAX_RECORD:
                    self.warnings.append(
                        f"corrupt record header at byte {offset + pos} (claims {incl} bytes): "
                        "results so far"
                    )
                    return
            offset += pos
        if pos < len(buf):
            self.warnings.append(
                f"file ends mid-packet at byte {offset} "
                f"({len(buf) - pos} bytes of a last record): results so far"
            )

    def open_pcap(self) -> tuple[int, float, Callable[[bytes, int], tuple[int, ...]]] | None:
        """Read the header; for a classic pcap returns (linktype, seconds per unit, record
        unpacker) and `pcap_chunks` may be used; None for pcapng (use `records`)."""
        head = self._read(24)
        self._head = head
        if len(head) < 4:
            raise CaptureError(
                f"{self.path}: empty or not a capture (pcap or pcapng expected, "
                "record one with tcpdump -w FILE)"
            )
        magic = head[:4]
        if magic == PCAPNG_SHB:
            self.format = "pcapng"
            return None
        if magic not in PCAP_MAGICS:
            raise CaptureError(
                f"{self.path}: not a pcap or pcapng capture (starts with {magic.hex()}); "
                "record one with tcpdump -w FILE"
            )
        if len(head) < 24:
            raise CaptureError(f"{self.path}: pcap header cut short ({len(head)} of 24 bytes)")
        self.format = "pcap"
        order, mult = PCAP_MAGICS[magic]
        linktype = struct.unpack(order + "I", head[20:24])[0] & 0x0FFFFFFF
        self.linktypes.add(linktype)
        self.pcap_rec = struct.Struct(order + "IIII").unpack_from
        self.pcap_order = order
        return linktype, mult, self.pcap_rec

    def pcapng_records(self) -> Iterator[Record]:
        """Records of a pcapng file after `open_pcap` returned None."""
        return self._pcapng(self._head)

    def _pcapng(self, head: bytes) -> Iterator[Record]:
        buf = head
        pos = 0
        offset = 0
        order = "<"
        u32 = struct.Struct("<I").unpack_from
        epb = struct.Struct("<IIIII").unpack_from
        ifaces: list[tuple[int, float]] = []
        packets = 0
        read = self._read
        eof = False
        while True:
            n = len(buf)
            while pos + 12 <= n:
                btype = u32(buf, pos)[0]
                if btype == 0x0A0D0D0A:
                    bom = buf[pos + 8 : pos + 12]
                    if bom == b"\x4d\x3c\x2b\x1a":
                        order = "<"
                    elif bom == b"\x1a\x2b\x3c\x4d":
                        order = ">"
                    else:
                        if packets == 0 and offset + pos == 0:
                            raise CaptureError(
                                f"{self.path}: pcapng header has a bad byte-order magic; "
                                "not a capture"
                            )
                        self.warnings.append(
                            f"corrupt section header at byte {offset + pos}: results so far"
                        )
                        self.packets = packets
                        return
                    u32 = struct.Struct(order + "I").unpack_from
                    epb = struct.Struct(order + "IIIII").unpack_from
                    ifaces = []
                blen = u32(buf, pos + 4)[0]
                if blen < 12 or blen % 4 or blen > MAX_RECORD + 64:
                    if packets == 0 and offset + pos == 0:
                        raise CaptureError(f"{self.path}: pcapng header is damaged; not a capture")
                    self.warnings.append(
                        f"corrupt block at byte {offset + pos} (length {blen}): results so far"
                    )
                    self.packets = packets
                    return
                end = pos + blen
                if end > n:
                    break
                if btype == 6:
                    if blen >= 32:
                        iface, ts_hi, ts_lo, incl, _orig = epb(buf, pos + 8)
                        data = pos + 28
                        if iface < len(ifaces) and data + incl <= end - 4:
                            lt, res = ifaces[iface]
                            packets += 1
                            yield ((ts_hi << 32) | ts_lo) * res, lt, buf, data, data + incl
                elif btype == 1:
                    if blen >= 20:
                        lt = struct.unpack_from(order + "H", buf, pos + 8)[0]
                        ifaces.append((lt, self._tsresol(buf, pos + 16, end - 4, order)))
                        self.linktypes.add(lt)
                elif btype == 3:
                    if ifaces and blen >= 16:
                        orig = u32(buf, pos + 8)[0]
                        lt, _res = ifaces[0]
                        incl = min(orig, blen - 16)
                        packets += 1
                        yield 0.0, lt, buf, pos + 12, pos + 12 + incl
                elif btype == 2 and blen >= 32:
                    iface = struct.unpack_from(order + "H", buf, pos + 8)[0]
                    _i, ts_hi, ts_lo, incl, _orig = epb(buf, pos + 8)
                    data = pos + 28
                    if iface < len(ifaces) and data + incl <= end - 4:
                        lt, res = ifaces[iface]
                        packets += 1
                        yield ((ts_hi << 32) | ts_lo) * res, lt, buf, data, data + incl
                pos = end
            if eof:
                break
            chunk = read(CHUNK)
            if not chunk:
                eof = True
                if pos >= len(buf):
                    break
                continue
            offset += pos
            buf = buf[pos:] + chunk
            pos = 0
        self.packets = packets
        if pos < len(buf):
            self.warnings.append(
                f"file ends mid-block at byte {offset + pos} "
                f"({len(buf) - pos} bytes of a last block): results so far"
            )

    @staticmethod
    def _tsresol(buf: bytes, pos: int, end: int, order: str) -> float:
        """Seconds per timestamp unit from an interface block's if_tsresol option."""
        opt = struct.Struct(order + "HH").unpack_from
        while pos + 4 <= end:
            code, length = opt(buf, pos)
            if code == 0:
                break
            if code == 9 and length >= 1 and pos + 5 <= end:
                v = buf[pos + 4]
                return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0**-v
            pos += 4 + ((length + 3) & ~3)
        return 1e-6


class _Prefixed:
    """A pipe or other stream that cannot seek, with the bytes already read put back in front."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self.head = head
        self.raw = raw

    def read(self, n: int) -> bytes:
        head = self.head
        if not head:
            return self.raw.read(n)
        self.head = b""
        if n <= len(head):
            self.head = head[n:]
            return head[:n]
        return head + self.raw.read(n - len(head))

    def close(self) -> None:
        self.raw.close()


class _Gunzip:
    """Streaming gzip reader that keeps what it decompressed when the file is cut short.

    Output is bounded by the requested size (`max_length`), so a highly compressible file
    never inflates more than one chunk at a time.
    """

    RAW = 256 * 1024

    def __init__(self, raw: BinaryIO | _Prefixed) -> None:
        self.raw = raw
        self.d = zlib.decompressobj(31)
        self.tail = b""
        self.cut = False
        self.done = False

    def read(self, n: int) -> bytes:
        out: list[bytes] = []
        have = 0
        while have < n and not self.done:
            if self.d.eof:
                rest = self.d.unused_data + self.tail
                self.tail = b""
                if not rest:
                    rest = self.raw.read(self.RAW)
                    if not rest:
                        self.done = True
                        break
                self.d = zlib.decompressobj(31)
                self.tail = rest
            data = self.tail or self.raw.read(self.RAW)
            if not data:
                tail = self.d.flush()
                if tail:
                    out.append(tail)
                    have += len(tail)
                if not self.d.eof:
                    self.cut = True
                self.done = True
                break
            got = self.d.decompress(data, n - have)
            self.tail = self.d.unconsumed_tail
            if got:
                out.append(got)
                have += len(got)
        return b"".join(out)

    def close(self) -> None:
        self.raw.close()
