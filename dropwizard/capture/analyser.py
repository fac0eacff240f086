"""Walks every packet once: fast path for IPv4/UDP RTP, slow path for SIP, TCP, fragments, IPv6."""

from __future__ import annotations

import socket
import struct
from typing import Any

from dropwizard.capture.dialogs import Call, other
from dropwizard.capture.load import LoadTracker, OptionsTracker
from dropwizard.capture.network import (
    IPV6_EXT,
    SIP_PORTS,
    Reassembler,
    TcpStream,
    addr_str,
    ip_start,
)
from dropwizard.capture.reader import MAX_RECORD, CaptureReader
from dropwizard.capture.rtp import STATIC_PT, RtpStream
from dropwizard.capture.sdp import Sdp
from dropwizard.capture.sip import SipMessage, looks_like_sip, parse_message

RTP_HDR = struct.Struct(">BBHII").unpack_from
PORTS = struct.Struct(">HH").unpack_from
TCP_HDR = struct.Struct(">HHIIBB").unpack_from
U16 = struct.Struct(">H").unpack_from
STATIC_CLOCKS = {pt: rate for pt, (_n, rate) in STATIC_PT.items()}
RTP_PTS = frozenset(range(35)) | frozenset(range(96, 128))
MAX_CALLS = 200_000
MAX_FLOWS = 500_000
RUN_LINKS = {1: (12, 14), 113: (14, 16), 276: (0, 20)}
"""Link types the run unpacker reads: (offset of the ethertype, offset of the IP header)."""
RUN_MAX = 1600
"""Longest record handled by the run unpacker (RTP of any narrowband codec)."""
RUN_LEN = 1024
"""Records unpacked per run at most."""
MAX_SSRCS = 64
"""SSRCs tracked per UDP flow; packets with further SSRCs count in the current stream."""
MAX_OWNERS = 256
"""Calls remembered per SDP media address (the oldest are forgotten first)."""

Addr = tuple[str, int]
Owners = dict[Call, tuple[str, bool]]
"""The calls whose SDP named one media address: call -> (side, is RTCP port)."""


class RtpFlow:
    """One UDP 5-tuple carrying RTP: its streams by SSRC and the call it belongs to."""

    __slots__ = (
        "call",
        "clocks",
        "cur",
        "cur_push",
        "cur_ssrc",
        "dst",
        "ends",
        "every",
        "key",
        "receiver",
        "rtcp",
        "sender",
        "sink",
        "src",
        "streams",
    )

    def __init__(
        self, key: bytes, src: str, dst: str, sink: list[RtpStream], every: list[RtpStream]
    ) -> None:
        self.key = key
        self.src = src
        self.dst = dst
        self.ends: tuple[Addr, Addr] | None = None
        self.streams: dict[int, RtpStream] = {}
        self.cur: RtpStream | None = None
        self.cur_push: Any = None
        self.cur_ssrc = -1
        self.call: Call | None = None
        self.sender: str | None = None
        self.receiver: str | None = None
        self.clocks: dict[int, int] = STATIC_CLOCKS
        self.rtcp = 0
        self.sink = sink
        self.every = every

    def stream(self, ssrc: int) -> RtpStream:
        st = self.streams.get(ssrc)
        if st is None:
            if len(self.streams) >= MAX_SSRCS and self.cur is not None:
                return self.cur
            st = RtpStream(self.src, self.dst, ssrc, self.clocks)
            self.every.append(st)
            st.call, st.sender, st.receiver = self.call, self.sender, self.receiver
            self.streams[ssrc] = st
            if self.call is not None:
                self.call.streams.append(st)
            else:
                self.sink.append(st)
        self.cur, self.cur_ssrc, self.cur_push = st, ssrc, st.pending.append
        return st


class RtcpFlow:
    """A UDP 5-tuple carrying RTCP: only counted."""

    __slots__ = ("call", "ends", "packets")

    def __init__(self, call: Call | None) -> None:
        self.call = call
        self.ends: tuple[Addr, Addr] | None = None
        self.packets = 0


class SipFlow:
    """A UDP 5-tuple that carried SIP."""

    __slots__ = ()


SIP_FLOW = SipFlow()


class Analyser:
    """State of one capture analysis; `run` reads the file, `result` builds the report."""

    def __init__(self, path: str, *, flood_pps: int = 100) -> None:
        self.path = path
        self.flows: dict[bytes, Any] = {}
        self.flows_by_addr: dict[Addr, list[bytes]] = {}
        """Flows whose call is not certain (no call, or one end only named by its SDP)."""
        self.media: dict[Addr, Owners] = {}
        self.calls: dict[str, Call] = {}
        self.orphans: list[RtpStream] = []
        self.all_streams: list[RtpStream] = []
        self.options = OptionsTracker()
        self.load = LoadTracker(flood_pps)
        self.frag = Reassembler()
        self.tcp: dict[bytes, TcpStream] = {}
        self.warnings: list[str] = []
        self.packets = 0
        self.rtp_packets = 0
        self.rtcp_packets = 0
        self.sip_messages = 0
        self.malformed = 0
        self.other_requests: dict[str, int] = {}
        self.first_t: float | None = None
        self.last_t = 0.0
        self.bytes = 0
        self.reader: CaptureReader | None = None

    # --- main loop ----------------------------------------------------------------------
    def run(self) -> None:
        with CaptureReader(self.path) as reader:
            self.reader = reader
            self._loop(reader)
            self.flush()
            self.bytes = reader.bytes_read
            self.warnings.extend(reader.warnings)
        self.load.finish()
        if self.frag.pending:
            self.warnings.append(f"{len(self.frag.pending)} fragmented datagrams never completed")
        if self.malformed:
            self.warnings.append(f"{self.malformed} packets could not be decoded as SIP")

    def flush(self) -> None:
        """Fold every stream's queued packets into its aggregates."""
        for st in self.all_streams:
            if st.pending:
                st.feed()

    def _loop(self, reader: CaptureReader) -> None:
        opened = reader.open_pcap()
        if opened is None:
            self._loop_records(reader)
            return
        linktype, mult, rec = opened
        order = reader.pcap_order
        # record header and the Ethernet/IPv4 fields of the fast path in one unpack
        head = struct.Struct(order + "IIII12xHB5xHxB").unpack_from
        et_ip = 0x0008 if order == "<" else 0x0800
        frag_mask = 0xFF3F if order == "<" else 0x3FFF
        flows_get = self.flows.get
        rtp_hdr = RTP_HDR
        slow = self._slow_safe
        rtpflow = RtpFlow
        eth = linktype == 1
        et_at, ip_off = RUN_LINKS.get(linktype, (-1, 0))
        run_min = ip_off + 40
        n = 0
        first = None
        t = 0.0
        runs: dict[int, Any] = {}
        for buf, pos in reader.pcap_chunks():
            size = len(buf)
            lim = size - 40 if eth else -1
            mv = memoryview(buf)
            if first is None and size >= 16:
                first = rec(buf, 0)[0] + rec(buf, 0)[1] * mult
            while pos + 16 <= size:
                if pos <= lim:
                    ts_s, ts_f, incl, _o, et, vihl, frag, proto = head(buf, pos)
                else:
                    ts_s, ts_f, incl, _o = rec(buf, pos)
                    et = 0
                end = pos + 16 + incl
                if end > size or incl > MAX_RECORD:
                    break
                if (
                    et_at >= 0
                    and run_min <= incl <= RUN_MAX
                    and end + 16 <= size
                    and rec(buf, end)[2] == incl
                ):
                    # a run of records of one length (RTP of one codec): unpacked by C in one go
                    rsize = 16 + incl
                    pair = runs.get(incl)
                    if pair is None:
                        pair = runs[incl] = (
                            struct.Struct(f"{order}IIII{incl}x").iter_unpack,
                            struct.Struct(
                                f">{16 + et_at}xH{ip_off - et_at - 2}xB5xHxB2x12s4xBBHII"
                                f"{incl - run_min}x"
                            ).iter_unpack,
                        )
                    done = 0
                    k = min((size - pos) // rsize, RUN_LEN)
                    view = mv[pos : pos + k * rsize]
                    for (ts_s, ts_f, incl2, _o), (
                        et,
                        vihl,
                        frag,
                        proto,
                        key,
                        b0,
                        b1,
                        seq,
                        ts,
                        ssrc,
                    ) in zip(pair[0](view), pair[1](view), strict=False):
                        if incl2 != incl:
                            break
                        t = ts_s + ts_f * mult
                        if et == 0x0800 and vihl == 0x45 and proto == 17 and not frag & 0x3FFF:
                            fl = flows_get(key)
                            if fl is not None and fl.__class__ is rtpflow:
                                if b0 & 0xC0 == 0x80:
                                    if b1 < 200 or b1 > 206:
                                        if ssrc == fl.cur_ssrc:
                                            fl.cur_push((t, b1, seq, ts))
                                        else:
                                            fl.stream(ssrc).pending.append((t, b1, seq, ts))
                                    else:
                                        self._rtcp_mux(fl)
                                done += 1
                                continue
                        at = pos + done * rsize
                        slow(t, linktype, buf, at + 16, at + rsize)
                        done += 1
                    del view
                    n += done
                    pos += done * rsize
                    continue
                n += 1
                t = ts_s + ts_f * mult
                if (
                    et == et_ip
                    and vihl == 0x45
                    and proto == 17
                    and incl >= 54
                    and not frag & frag_mask
                ):
                    fl = flows_get(buf[pos + 42 : pos + 54])
                    if fl is not None and fl.__class__ is rtpflow:
                        b0, b1, seq, ts, ssrc = rtp_hdr(buf, pos + 58)
                        if b0 & 0xC0 == 0x80:
                            if b1 < 200 or b1 > 206:
                                if ssrc == fl.cur_ssrc:
                                    fl.cur_push((t, b1, seq, ts))
                                else:
                                    fl.stream(ssrc).pending.append((t, b1, seq, ts))
                            else:
                                self._rtcp_mux(fl)
                        pos = end
                        continue
                slow(t, linktype, buf, pos + 16, end)
                pos = end
            reader.consumed = pos
            self.flush()
        self.packets = n
        if n:
            self.first_t = first
            self.last_t = t

    def _loop_records(self, reader: CaptureReader) -> None:
        flows_get = self.flows.get
        rtp_hdr = RTP_HDR
        slow = self._slow_safe
        rtpflow = RtpFlow
        n = 0
        first = None
        t = 0.0
        for t, lt, buf, off, end in reader.pcapng_records():
            n += 1
            if not n & 0x7FFF:
                self.flush()
            if first is None:
                first = t
            if lt == 1 and end - off >= 54 and buf[off + 12] == 8 and buf[off + 13] == 0:
                ip = off + 14
                if (
                    buf[ip] == 0x45
                    and buf[ip + 9] == 17
                    and not (buf[ip + 6] & 0x3F or buf[ip + 7])
                ):
                    fl = flows_get(buf[ip + 12 : ip + 24])
                    if fl is not None and fl.__class__ is rtpflow:
                        b0, b1, seq, ts, ssrc = rtp_hdr(buf, ip + 28)
                        if b0 & 0xC0 == 0x80:
                            if b1 < 200 or b1 > 206:
                                st = fl.cur if ssrc == fl.cur_ssrc else fl.stream(ssrc)
                                st.pending.append((t, b1, seq, ts))
                            else:
                                self._rtcp_mux(fl)
                        continue
            slow(t, lt, buf, off, end)
        self.packets = n
        if first is not None:
            self.first_t = first
            self.last_t = t

    def _slow_safe(self, t: float, lt: int, buf: bytes, off: int, end: int) -> None:
        try:
            self._slow(t, lt, buf, off, end)
        except (ValueError, IndexError, KeyError, struct.error, UnicodeError, OverflowError):
            self.malformed += 1

    # --- slow path ----------------------------------------------------------------------
    def _slow(self, t: float, lt: int, buf: bytes, off: int, end: int) -> None:
        ver, ip = ip_start(lt, buf, off, end)
        if ver == 4:
            if end - ip < 20:
                return
            vihl = buf[ip]
            ihl = (vihl & 0x0F) * 4
            if vihl >> 4 != 4 or ihl < 20 or end - ip < ihl:
                return
            total = U16(buf, ip + 2)[0]
            pend = min(end, ip + total) if total >= ihl else end
            proto = buf[ip + 9]
            src, dst = buf[ip + 12 : ip + 16], buf[ip + 16 : ip + 20]
            flags = U16(buf, ip + 6)[0]
            if flags & 0x3FFF:
                key = (src, dst, U16(buf, ip + 4)[0], proto)
                data = self.frag.add(
                    t, key, (flags & 0x1FFF) * 8, bool(flags & 0x2000), buf[ip + ihl : pend]
                )
                if data is None:
                    return
                self._l4(t, src, dst, proto, data, 0, len(data))
                return
            self._l4(t, src, dst, proto, buf, ip + ihl, pend)
        elif ver == 6:
            if end - ip < 40:
                return
            plen = U16(buf, ip + 4)[0]
            nxt = buf[ip + 6]
            src, dst = buf[ip + 8 : ip + 24], buf[ip + 24 : ip + 40]
            pend = min(end, ip + 40 + plen) if plen else end
            o = ip + 40
            while nxt in IPV6_EXT and pend - o >= 8:
                h_nxt = buf[o]
                o += (buf[o + 1] + 2) * 4 if nxt == 51 else (buf[o + 1] + 1) * 8
                nxt = h_nxt
            if nxt == 44 and pend - o >= 8:
                h_nxt = buf[o]
                fo = U16(buf, o + 2)[0]
                ident = struct.unpack_from(">I", buf, o + 4)[0]
                data = self.frag.add(
                    t, (src, dst, ident, h_nxt), fo & 0xFFF8, bool(fo & 1), buf[o + 8 : pend]
                )
                if data is None:
                    return
                self._l4(t, src, dst, h_nxt, data, 0, len(data))
                return
            if o <= pend:
                self._l4(t, src, dst, nxt, buf, o, pend)

    def _l4(
        self, t: float, src: bytes, dst: bytes, proto: int, buf: bytes, o: int, end: int
    ) -> None:
        if proto == 17:
            if end - o < 8:
                return
            sport, dport = PORTS(buf, o)
            ulen = U16(buf, o + 4)[0]
            pend = min(end, o + ulen) if ulen >= 8 else end
            self._udp(t, src, dst, sport, dport, buf, o + 8, pend)
        elif proto == 6:
            if end - o < 20:
                return
            sport, dport, seq, _ack, doff, flags = TCP_HDR(buf, o)
            hl = (doff >> 4) * 4
            if hl < 20:
                return
            self._tcp(t, src, dst, sport, dport, seq, flags, buf[o + hl : end])

    def _udp(
        self, t: float, src: bytes, dst: bytes, sport: int, dport: int, buf: bytes, o: int, end: int
    ) -> None:
        key = src + dst + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
        fl = self.flows.get(key)
        if fl is None:
            fl = self._classify(key, src, dst, sport, dport, buf, o, end)
            if fl is None:
                return
        cls = fl.__class__
        if cls is RtpFlow:
            if end - o < 12:
                return
            b0, b1, seq, ts, ssrc = RTP_HDR(buf, o)
            if b0 & 0xC0 != 0x80:
                return
            if 200 <= b1 <= 206:
                self._rtcp_mux(fl)
                return
            st = fl.cur if ssrc == fl.cur_ssrc else fl.stream(ssrc)
            st.pending.append((t, b1, seq, ts))
        elif cls is RtcpFlow:
            fl.packets += 1
            self.rtcp_packets += 1
            if fl.call is not None:
                fl.call.rtcp_packets += 1
        else:
            data = buf[o:end]
            if data.strip(b"\r\n\x00 "):
                self._sip(t, src, dst, sport, dport, data, "udp")

    def _classify(
        self,
        key: bytes,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        buf: bytes,
        o: int,
        end: int,
    ) -> Any:
        size = end - o
        if (
            sport in SIP_PORTS
            or dport in SIP_PORTS
            or (size > 12 and looks_like_sip(buf[o : o + 16]))
        ):
            self._remember(key, SIP_FLOW)
            return SIP_FLOW
        if size < 8 or buf[o] & 0xC0 != 0x80:
            return None
        b1 = buf[o + 1]
        s_ip, d_ip = addr_str(src), addr_str(dst)
        s_addr, d_addr = (s_ip, sport), (d_ip, dport)
        owner = self._owner(s_addr, d_addr)
        if 200 <= b1 <= 206:
            if owner is None and (sport < 1024 or dport < 1024):
                return None
            fl = RtcpFlow(owner[0] if owner else None)
            self._remember(key, fl, s_addr, d_addr, owner)
            return fl
        if size < 12:
            return None
        if owner is None and (b1 & 0x7F not in RTP_PTS or sport < 1024 or dport < 1024):
            return None
        if owner is not None and owner[2]:
            rf = RtcpFlow(owner[0])
            self._remember(key, rf, s_addr, d_addr, owner)
            return rf
        fl = RtpFlow(key, f"{s_ip}:{sport}", f"{d_ip}:{dport}", self.orphans, self.all_streams)
        if owner is not None:
            call, sender, _rtcp, _score = owner
            fl.call = call
            fl.sender, fl.receiver = sender, other(sender)
            if call.clocks is None:
                clocks = dict(STATIC_CLOCKS)
                for sdp in call.sdp.values():
                    for pt, (name, rate) in sdp.rtpmap.items():
                        # RFC 4733 events repeat one timestamp per event: no jitter from them
                        if rate and name.lower() != "telephone-event":
                            clocks[pt] = rate
                call.clocks = clocks
            fl.clocks = call.clocks
        self._remember(key, fl, s_addr, d_addr, owner)
        return fl

    def _owner(self, s_addr: Addr, d_addr: Addr) -> tuple[Call, str, bool, int] | None:
        """The call a UDP flow belongs to: (call, sending side, RTCP port, score).

        Score 2: one call's SDPs name both ends, the source as one side and the destination as
        the other (the most recent such call wins). Score 1: only one end is named; the latest
        call still up that named the destination, else the source, is taken.
        """
        dl = self.media.get(d_addr)
        sl = self.media.get(s_addr)
        if dl and sl:
            small, big = (dl, sl) if len(dl) <= len(sl) else (sl, dl)
            for call in reversed(small):
                e_small, e_big = small[call], big.get(call)
                if e_big is not None and e_big[0] != e_small[0]:
                    d_side, d_rtcp = dl[call]
                    return call, other(d_side), d_rtcp, 2
        if dl:
            call = self._latest(dl)
            d_side, d_rtcp = dl[call]
            return call, other(d_side), d_rtcp, 1
        if sl:
            call = self._latest(sl)
            s_side, s_rtcp = sl[call]
            return call, s_side, s_rtcp, 1
        return None

    @staticmethod
    def _latest(owners: Owners) -> Call:
        """The call that named the address last among those still up, else the last of all."""
        for call in reversed(owners):
            if call.end_t is None:
                return call
        return next(reversed(owners))

    def _score(self, call: Call, ends: tuple[Addr, Addr]) -> int:
        """How well `call` owns a flow with these ends: 2 both, 1 one, 0 none (see `_owner`)."""
        e_s = self.media.get(ends[0], {}).get(call)
        e_d = self.media.get(ends[1], {}).get(call)
        if e_s is not None and e_d is not None and e_s[0] != e_d[0]:
            return 2
        return 1 if e_s is not None or e_d is not None else 0

    def _rtcp_mux(self, fl: RtpFlow) -> None:
        fl.rtcp += 1
        self.rtcp_packets += 1
        if fl.call is not None:
            fl.call.rtcp_packets += 1

    def _remember(
        self,
        key: bytes,
        fl: Any,
        s_addr: Addr | None = None,
        d_addr: Addr | None = None,
        owner: tuple[Call, str, bool, int] | None = None,
    ) -> None:
        if len(self.flows) >= MAX_FLOWS:
            self.flows.clear()
            self.flows_by_addr.clear()
        self.flows[key] = fl
        if s_addr is None or d_addr is None:
            return
        fl.ends = (s_addr, d_addr)
        if owner is None or owner[3] < 2:
            self.flows_by_addr.setdefault(s_addr, []).append(key)
            self.flows_by_addr.setdefault(d_addr, []).append(key)

    def _tcp(
        self,
        t: float,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        seq: int,
        flags: int,
        data: bytes,
    ) -> None:
        key = src + dst + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
        st = self.tcp.get(key)
        if st is None:
            if not (sport in SIP_PORTS or dport in SIP_PORTS or looks_like_sip(data[:16])):
                return
            if flags & 0x05:
                return
            if len(self.tcp) > 10_000:
                self.tcp.clear()
            st = self.tcp[key] = TcpStream()
        for msg in st.add(seq, bool(flags & 0x02), data):
            self._sip(t, src, dst, sport, dport, msg, "tcp")
        if flags & 0x05:
            self.tcp.pop(key, None)

    # --- SIP ----------------------------------------------------------------------------
    def _sip(
        self, t: float, src: bytes, dst: bytes, sport: int, dport: int, data: bytes, transport: str
    ) -> None:
        msg = parse_message(data)
        if msg is None:
            self.malformed += 1
            return
        self.sip_messages += 1
        s_ip, d_ip = addr_str(src), addr_str(dst)
        s = f"{s_ip}:{sport}" if len(src) == 4 else f"[{s_ip}]:{sport}"
        d = f"{d_ip}:{dport}" if len(dst) == 4 else f"[{d_ip}]:{dport}"
        self.load.on_message(t, s_ip, msg)
        cid = msg.call_id
        if not cid:
            self.malformed += 1
            return
        _cseq, cmethod = msg.cseq
        call = self.calls.get(cid)
        if msg.method == "OPTIONS" or (cmethod == "OPTIONS" and call is None):
            self.options.on_message(t, s, d, msg)
            return
        if call is None:
            method = msg.method
            if method not in ("INVITE", "UPDATE", "BYE") or len(self.calls) >= MAX_CALLS:
                if method:
                    self.other_requests[method] = self.other_requests.get(method, 0) + 1
                return
            partial = not (method == "INVITE" and not msg.to_tag)
            call = self.calls[cid] = Call(cid, t, partial)
        sdp = call.on_message(t, s, d, msg)
        if sdp is not None:
            side = call.side_of_request(msg) if msg.method else self._responder(call, msg)
            self._register_media(call, side, sdp)

    @staticmethod
    def _responder(call: Call, msg: SipMessage) -> str:
        txn = call.txns.get(msg.cseq)
        if txn is not None:
            return other(txn.by)
        return "callee" if msg.from_tag == call.from_tag else "caller"

    def _register_media(self, call: Call, side: str, sdp: Sdp) -> None:
        """Tie the SDP's media address to the call; flows a newer call now owns start afresh.

        A flow keeps its call while that call owns it at least as well as the new one: calls
        sharing one media address (a media server port) keep their own streams. A call whose SDPs
        name both ends of a flow takes it over from any other call.
        """
        peer = call.sdp.get(other(side))
        for port, is_rtcp in ((sdp.port, False), (sdp.port + 1, True)):
            addr = (sdp.addr, port)
            owners = self.media.get(addr)
            if owners is None:
                owners = self.media[addr] = {}
            if owners.get(call) == (side, is_rtcp):
                continue
            owners.pop(call, None)
            owners[call] = (side, is_rtcp)
            if len(owners) > MAX_OWNERS:
                del owners[next(iter(owners))]
            keys = self.flows_by_addr.pop(addr, None)
            if keys:
                kept = [k for k in dict.fromkeys(keys) if not self._reassign(k, call)]
                if kept:
                    self.flows_by_addr[addr] = kept
            if peer is not None:
                far = (peer.addr, peer.port + (1 if is_rtcp else 0))
                for key in _flow_keys(addr, far):
                    fl = self.flows.get(key)
                    if fl is not None and fl is not SIP_FLOW and fl.call is not call:
                        del self.flows[key]

    def _reassign(self, key: bytes, call: Call) -> bool:
        """Forget a flow when `call` now owns it better (it is classified again); True if so."""
        fl = self.flows.get(key)
        if fl is None:
            return True
        ends = fl.ends
        mine = fl.call
        if ends is None or mine is call:
            return False
        new = self._score(call, ends)
        if new == 0:
            return False
        if mine is not None:
            old = self._score(mine, ends)
            if old > new or (old == new == 1 and mine.end_t is None):
                return False
        del self.flows[key]
        return True


def _flow_keys(a: Addr, b: Addr) -> list[bytes]:
    """Flow keys (addresses and ports as on the wire) of UDP between a and b, both ways."""
    try:
        fam = socket.AF_INET6 if ":" in a[0] else socket.AF_INET
        ra, rb = socket.inet_pton(fam, a[0]), socket.inet_pton(fam, b[0])
        pa, pb = a[1].to_bytes(2, "big"), b[1].to_bytes(2, "big")
    except (OSError, ValueError, OverflowError):
        return []
    return [ra + rb + pa + pb, rb + ra + pb + pa]
