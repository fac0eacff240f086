"""SDP: the audio address, port, direction, codecs and ptime that tie RTP to a call."""

from __future__ import annotations

from dataclasses import dataclass, field

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


@dataclass
class Sdp:
    """The first audio stream of an SDP body."""

    addr: str
    port: int
    direction: str = "sendrecv"
    payloads: list[int] = field(default_factory=list)
    rtpmap: dict[int, tuple[str, int]] = field(default_factory=dict)
    ptime: int | None = None

    def codecs(self) -> list[str]:
        from dropwizard.capture.rtp import STATIC_PT

        out = []
        for pt in self.payloads:
            name = self.rtpmap.get(pt, STATIC_PT.get(pt, (f"PT{pt}", 0)))[0]
            out.append(name)
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "addr": self.addr,
            "port": self.port,
            "direction": self.direction,
            "codecs": self.codecs(),
            "ptime": self.ptime,
        }


def parse_sdp(body: bytes) -> Sdp | None:
    """Parse the audio part of an SDP body (also inside multipart bodies); None without audio."""
    start = body.find(b"v=0")
    if start < 0:
        return None
    text = body[start:].decode("latin-1")
    session_addr = ""
    session_dir = "sendrecv"
    media_addr = ""
    media_dir: str | None = None
    port = -1
    payloads: list[int] = []
    rtpmap: dict[int, tuple[str, int]] = {}
    ptime: int | None = None
    in_audio = False
    seen_audio = False
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            if line.startswith("--"):
                break
            continue
        kind, val = line[0], line[2:].strip()
        if kind == "m":
            if seen_audio:
                break
            parts = val.split()
            if parts and parts[0] == "audio" and len(parts) >= 3:
                in_audio = seen_audio = True
                port_s = parts[1].split("/")[0]
                port = int(port_s) if port_s.isdigit() else -1
                payloads = [int(p) for p in parts[3:] if p.isdigit()]
            else:
                in_audio = False
        elif kind == "c":
            parts = val.split()
            if len(parts) >= 3:
                addr = parts[2].split("/")[0]
                if in_audio:
                    media_addr = addr
                elif not seen_audio:
                    session_addr = addr
        elif kind == "a":
            if val in DIRECTIONS:
                if in_audio:
                    media_dir = val
                elif not seen_audio:
                    session_dir = val
            elif in_audio and val.startswith("rtpmap:"):
                pt_s, _, enc = val[7:].partition(" ")
                name, _, rate = enc.strip().partition("/")
                rate_s = rate.split("/")[0]
                if pt_s.isdigit():
                    rtpmap[int(pt_s)] = (name, int(rate_s) if rate_s.isdigit() else 0)
            elif in_audio and val.startswith("ptime:"):
                p = val[6:].strip()
                if p.isdigit():
                    ptime = int(p)
    if not seen_audio or port < 0:
        return None
    addr = media_addr or session_addr
    direction = media_dir or session_dir
    if port == 0:
        direction = "inactive"
    if addr in ("0.0.0.0", "::"):
        direction = "inactive" if direction == "sendrecv" else direction
    return Sdp(addr, port, direction, payloads, rtpmap, ptime)
