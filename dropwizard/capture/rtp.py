"""Per-stream RTP aggregates (RFC 3550): sequence, loss, duplicates, jitter, gaps. No packets kept."""

from __future__ import annotations

from itertools import islice
from typing import Any

STATIC_PT: dict[int, tuple[str, int]] = {
    0: ("PCMU", 8000),
    3: ("GSM", 8000),
    4: ("G723", 8000),
    5: ("DVI4", 8000),
    6: ("DVI4", 16000),
    7: ("LPC", 8000),
    8: ("PCMA", 8000),
    9: ("G722", 8000),
    10: ("L16", 44100),
    11: ("L16", 44100),
    12: ("QCELP", 8000),
    13: ("CN", 8000),
    14: ("MPA", 90000),
    15: ("G728", 8000),
    16: ("DVI4", 11025),
    17: ("DVI4", 22050),
    18: ("G729", 8000),
    25: ("CelB", 90000),
    26: ("JPEG", 90000),
    28: ("nv", 90000),
    31: ("H261", 90000),
    32: ("MPV", 90000),
    33: ("MP2T", 90000),
    34: ("H263", 90000),
}
CN_PT = 13
WINDOW_MASK = (1 << 64) - 1


class RtpStream:
    """Aggregates of one RTP stream (src, dst, SSRC).

    The capture loop appends `(time, byte1, seq, timestamp)` to `pending`; `feed` folds the
    queue into the aggregates in one tight loop, so nothing per packet outlives a flush.
    """

    __slots__ = (
        "base_seq",
        "call",
        "clock",
        "clocks",
        "cn_packets",
        "cycles",
        "dst",
        "duplicates",
        "first",
        "gap_at",
        "held",
        "jitter",
        "jitter_sum",
        "last",
        "last_pt",
        "last_ts",
        "late",
        "max_delta",
        "max_gap",
        "max_jitter",
        "max_seq",
        "packets",
        "pending",
        "pt",
        "pt_switches",
        "receiver",
        "sender",
        "src",
        "ssrc",
        "window",
    )

    def __init__(self, src: str, dst: str, ssrc: int, clocks: dict[int, int]) -> None:
        self.src = src
        self.dst = dst
        self.ssrc = ssrc
        self.clocks = clocks
        self.call: Any = None
        self.sender: str | None = None
        self.receiver: str | None = None
        self.held = False
        self.packets = 0
        self.pending: list[tuple[float, int, int, int]] = []
        self.duplicates = 0
        self.late = 0
        self.cn_packets = 0
        self.pt = -1
        self.pt_switches = 0
        self.last_pt = -1
        self.clock = 0
        self.first = 0.0
        self.last = 0.0
        self.base_seq = 0
        self.max_seq = 0
        self.cycles = 0
        self.window = 0
        self.last_ts = 0
        self.jitter = 0.0
        self.jitter_sum = 0.0
        self.max_jitter = 0.0
        self.max_delta = 0.0
        self.max_gap = 0.0
        self.gap_at = 0.0

    def add(self, t: float, b1: int, seq: int, ts: int) -> None:
        """Account one packet now: arrival time, second header byte, sequence, RTP timestamp."""
        self.pending.append((t, b1, seq, ts))
        self.feed()

    def feed(self) -> None:
        """Account the packets queued in `pending` (the capture loop appends, this aggregates)."""
        pk = self.pending
        if not pk:
            return
        start = 0
        if self.packets == 0:
            t, b1, seq, ts = pk[0]
            pt = b1 & 0x7F
            self.packets = 1
            self.first = self.last = t
            self.base_seq = self.max_seq = seq
            self.window = 1
            self.last_ts = ts
            self.pt = self.last_pt = pt
            self.clock = self.clocks.get(pt, 0)
            if pt == CN_PT:
                self.cn_packets = 1
            start = 1
        packets = self.packets
        last, last_ts, last_pt = self.last, self.last_ts, self.last_pt
        max_seq, window, cycles = self.max_seq, self.window, self.cycles
        duplicates, late, cn = self.duplicates, self.late, self.cn_packets
        max_delta, max_gap, gap_at = self.max_delta, self.max_gap, self.gap_at
        jitter, jsum, jmax = self.jitter, self.jitter_sum, self.max_jitter
        clock, pt0, switches = self.clock, self.pt, self.pt_switches
        mask = WINDOW_MASK
        for t, b1, seq, ts in islice(pk, start, None) if start else pk:
            packets += 1
            pt = b1 & 0x7F
            delta = t - last
            if delta > max_delta:
                max_delta = delta
                if last_pt != CN_PT and delta > max_gap:
                    max_gap = delta
                    gap_at = last
            if seq == ((max_seq + 1) & 0xFFFF):
                if seq == 0:
                    cycles += 0x10000
                max_seq = seq
                window = ((window << 1) | 1) & mask
            else:
                d = (seq - max_seq) & 0xFFFF
                if d == 0:
                    duplicates += 1
                    continue
                if d < 0x8000:
                    if seq < max_seq:
                        cycles += 0x10000
                    max_seq = seq
                    window = ((window << d) | 1) & mask
                else:
                    back = 0x10000 - d
                    if back < 64:
                        bit = 1 << back
                        if window & bit:
                            duplicates += 1
                            continue
                        window |= bit
                    late += 1
            if pt != last_pt:
                if pt == CN_PT:
                    cn += 1
                switches += 1
                last_pt = pt
                last = t
                last_ts = ts
                continue
            if pt == CN_PT:
                cn += 1
            if clock and pt == pt0:
                dts = (ts - last_ts) & 0xFFFFFFFF
                if dts >= 0x80000000:
                    dts -= 0x100000000
                dd = delta * clock - dts
                if dd < 0:
                    dd = -dd
                jitter += (dd - jitter) * 0.0625
                jsum += jitter
                if jitter > jmax:
                    jmax = jitter
            last = t
            last_ts = ts
        pk.clear()
        self.packets = packets
        self.last, self.last_ts, self.last_pt = last, last_ts, last_pt
        self.max_seq, self.window, self.cycles = max_seq, window, cycles
        self.duplicates, self.late, self.cn_packets = duplicates, late, cn
        self.max_delta, self.max_gap, self.gap_at = max_delta, max_gap, gap_at
        self.jitter, self.jitter_sum, self.max_jitter = jitter, jsum, jmax
        self.pt_switches = switches

    @property
    def expected(self) -> int:
        if not self.packets:
            return 0
        return self.cycles + self.max_seq - self.base_seq + 1

    @property
    def received(self) -> int:
        return self.packets - self.duplicates

    @property
    def lost(self) -> int:
        return self.expected - self.received

    def jitter_ms(self) -> float:
        return self.max_jitter * 1000.0 / self.clock if self.clock else 0.0

    def mean_jitter_ms(self) -> float:
        if not self.clock or self.packets < 2:
            return 0.0
        return self.jitter_sum / (self.packets - 1) * 1000.0 / self.clock

    def codec(self) -> str:
        return STATIC_PT.get(self.pt, (f"PT{self.pt}", 0))[0]

    def to_dict(self, end: float | None = None) -> dict[str, Any]:
        stopped = None
        if end is not None and self.packets:
            stopped = round(max(0.0, end - self.last), 3)
        return {
            "src": self.src,
            "dst": self.dst,
            "ssrc": f"0x{self.ssrc:08X}",
            "payload_type": self.pt,
            "codec": self.codec(),
            "direction": f"{self.sender}->{self.receiver}" if self.sender else None,
            "packets": self.packets,
            "expected": self.expected,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "late": self.late,
            "cn_packets": self.cn_packets,
            "jitter_ms": round(self.jitter_ms(), 3),
            "mean_jitter_ms": round(self.mean_jitter_ms(), 3),
            "max_delta_ms": round(self.max_delta * 1000, 3),
            "max_gap_s": round(self.max_gap, 3),
            "max_gap_at": self.gap_at or None,
            "first": self.first,
            "last": self.last,
            "stopped_before_end_s": stopped,
            "held": self.held,
        }
