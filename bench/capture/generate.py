"""Write a large pcap: N concurrent calls, SIP per call, 20 ms G.711 RTP both ways.

python bench/capture/generate.py OUT.pcap --packets 2000000 --calls 500
"""

from __future__ import annotations

import argparse
import random
import struct
import time

ETH = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"
REC = struct.Struct("<IIII")
IPH = struct.Struct(">BBHHHBBH4s4s")
UDPH = struct.Struct(">HHHH")
RTPH = struct.Struct(">BBHII")
PAYLOAD = b"\xd5" * 160


def _ip(a: int, b: int, c: int, d: int) -> bytes:
    return bytes((a, b, c, d))


def udp_frame(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> bytes:
    ulen = 8 + len(payload)
    ip = IPH.pack(0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, src, dst)
    return ETH + ip + UDPH.pack(sport, dport, ulen, 0) + payload


def sip_msgs(i: int, caller: bytes, callee: bytes, cport: int, eport: int) -> dict[str, bytes]:
    cid = f"bench-{i}@10.0.0.1"
    c_ip = ".".join(map(str, caller))
    e_ip = ".".join(map(str, callee))

    def sdp(ip: str, port: int) -> str:
        return (
            f"v=0\r\no=- {i} 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n"
        )

    def msg(first: str, cseq: str, body: str = "", to_tag: bool = True, extra: str = "") -> bytes:
        tag = f";tag=b{i}" if to_tag else ""
        hdr = (
            f"{first}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{i}{cseq.split()[0]}\r\n"
            f"From: <sip:{1000 + i}@10.0.0.1>;tag=a{i}\r\n"
            f"To: <sip:{5000 + i}@10.0.0.2>{tag}\r\n"
            f"Call-ID: {cid}\r\nCSeq: {cseq}\r\n{extra}"
        )
        if body:
            hdr += f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            hdr += "Content-Length: 0\r\n\r\n"
        return hdr.encode()

    return {
        "invite": msg(
            f"INVITE sip:{5000 + i}@10.0.0.2 SIP/2.0",
            "1 INVITE",
            sdp(c_ip, cport),
            False,
            "Supported: timer\r\nSession-Expires: 1800\r\nUser-Agent: bench-gw\r\n",
        ),
        "trying": msg("SIP/2.0 100 Trying", "1 INVITE", to_tag=False),
        "ringing": msg("SIP/2.0 180 Ringing", "1 INVITE"),
        "ok": msg(
            "SIP/2.0 200 OK",
            "1 INVITE",
            sdp(e_ip, eport),
            extra="Session-Expires: 1800;refresher=uac\r\n",
        ),
        "ack": msg(f"ACK sip:{5000 + i}@10.0.0.2 SIP/2.0", "1 ACK"),
        "bye": msg(
            f"BYE sip:{5000 + i}@10.0.0.2 SIP/2.0",
            "2 BYE",
            extra='Reason: Q.850;cause=16;text="Normal call clearing"\r\n',
        ),
        "bye_ok": msg("SIP/2.0 200 OK", "2 BYE"),
    }


def write_capture(path: str, packets: int, concurrent: int, seed: int = 1) -> dict[str, int]:
    """Write the capture; returns counts (packets, calls, bytes)."""
    rng = random.Random(seed)
    sip_a, sip_b = _ip(10, 0, 0, 1), _ip(10, 0, 0, 2)
    t0 = 1_764_331_200.0
    out = open(path, "wb")  # noqa: SIM115
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    buf = bytearray()
    written = 0
    calls_started = 0
    size = 24
    slots: list[list] = []

    def emit(t: float, frame: bytes) -> None:
        nonlocal written, size
        sec = int(t)
        buf.extend(REC.pack(sec, int((t - sec) * 1e6), len(frame), len(frame)))
        buf.extend(frame)
        written += 1

    def new_call(t: float, slot: int) -> list:
        nonlocal calls_started
        i = calls_started
        calls_started += 1
        caller = _ip(10, 1, (i >> 8) & 0xFF, i & 0xFF)
        callee = _ip(10, 2, (i >> 8) & 0xFF, i & 0xFF)
        cport = 10000 + 2 * (slot % 20000)
        eport = 30000 + 2 * (slot % 15000)
        m = sip_msgs(i, caller, callee, cport, eport)
        emit(t, udp_frame(sip_a, sip_b, 5060, 5060, m["invite"]))
        emit(t + 0.001, udp_frame(sip_b, sip_a, 5060, 5060, m["trying"]))
        emit(t + 0.002, udp_frame(sip_b, sip_a, 5060, 5060, m["ringing"]))
        emit(t + 0.003, udp_frame(sip_b, sip_a, 5060, 5060, m["ok"]))
        emit(t + 0.004, udp_frame(sip_a, sip_b, 5060, 5060, m["ack"]))
        ticks = rng.randint(1000, 2500)
        a_head = ETH + IPH.pack(0x45, 0, 200, 0, 0x4000, 64, 17, 0, caller, callee)
        a_head += UDPH.pack(cport, eport, 180, 0)
        b_head = ETH + IPH.pack(0x45, 0, 200, 0, 0x4000, 64, 17, 0, callee, caller)
        b_head += UDPH.pack(eport, cport, 180, 0)
        ssrc_a, ssrc_b = rng.getrandbits(32), rng.getrandbits(32)
        return [m, ticks, a_head, b_head, ssrc_a, ssrc_b, rng.getrandbits(16), rng.getrandbits(32)]

    tick = 0
    for s in range(concurrent):
        slots.append(new_call(t0 + s * 0.0001, s))
    spacing = 0.02 / (concurrent + 1)
    pack_rtp = RTPH.pack
    pack_rec = REC.pack
    while written < packets:
        base = t0 + 0.01 + tick * 0.02
        for s, st in enumerate(slots):
            t = base + s * spacing
            if st[1] <= 0:
                m = st[0]
                emit(t, udp_frame(sip_a, sip_b, 5060, 5060, m["bye"]))
                emit(t + 0.0005, udp_frame(sip_b, sip_a, 5060, 5060, m["bye_ok"]))
                slots[s] = st = new_call(t + 0.001, s + concurrent * calls_started)
                continue
            st[1] -= 1
            seq = st[6] = (st[6] + 1) & 0xFFFF
            ts = st[7] = (st[7] + 160) & 0xFFFFFFFF
            sec = int(t)
            usec = int((t - sec) * 1e6)
            rec = pack_rec(sec, usec, 214, 214)
            buf += rec
            buf += st[2]
            buf += pack_rtp(0x80, 8, seq, ts, st[4])
            buf += PAYLOAD
            buf += rec
            buf += st[3]
            buf += pack_rtp(0x80, 8, seq, ts, st[5])
            buf += PAYLOAD
            written += 2
        tick += 1
        if len(buf) > 8 << 20:
            out.write(buf)
            size += len(buf)
            buf.clear()
    out.write(buf)
    size += len(buf)
    out.close()
    return {"packets": written, "calls": calls_started, "bytes": size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=2_000_000)
    ap.add_argument("--calls", type=int, default=500, help="concurrent calls")
    a = ap.parse_args()
    t = time.perf_counter()
    info = write_capture(a.out, a.packets, a.calls)
    print(f"{info} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
