"""SIP dialogs per Call-ID: setup, PDD, final status, ACK, refreshes, session timer, BYE/CANCEL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dropwizard.capture.rtp import RtpStream
from dropwizard.capture.sdp import Sdp, parse_sdp
from dropwizard.capture.sip import (
    Reason,
    SipMessage,
    host_of,
    parse_reason,
    parse_session_expires,
    parse_via,
    user_host,
)

TIMELINE_CAP = 80
"""Ladder entries kept per call; further messages are only counted."""
SIDES = ("caller", "callee")


def other(side: str) -> str:
    return "callee" if side == "caller" else "caller"


def teardown_margin(se: float) -> float:
    """RFC 4028 §10: BYE at SE - min(32, SE/3) after the last refresh."""
    return min(32.0, se / 3.0)


@dataclass(slots=True)
class Txn:
    """One client transaction inside a call, matched by CSeq number and method."""

    method: str
    cseq: int
    t: float
    by: str
    src: str
    dst: str
    retrans: int = 0
    first_prov: float | None = None
    final: int | None = None
    final_phrase: str = ""
    final_t: float | None = None
    final_repeats: int = 0


@dataclass(slots=True)
class Ending:
    """A BYE or CANCEL: when, who sent it, and why."""

    method: str
    t: float
    by: str
    src: str
    dst: str
    reasons: list[Reason] = field(default_factory=list)
    cseq: int = -1

    def reason_text(self) -> str:
        return ", ".join(str(r) for r in self.reasons)

    def q850(self) -> int | None:
        for r in self.reasons:
            if r.protocol == "Q.850" and r.cause is not None:
                return r.cause
        return None


class Call:
    """One dialog (per Call-ID) and the RTP streams tied to it through SDP."""

    def __init__(self, call_id: str, t: float, partial: bool) -> None:
        self.call_id = call_id
        self.partial = partial
        self.first_t = t
        self.setup: float | None = None
        self.from_uri = ""
        self.to_uri = ""
        self.from_tag = ""
        self.to_tag = ""
        self.caller = ""
        self.callee = ""
        self.invite_key: tuple[int, str] | None = None
        self.final_status: int | None = None
        self.final_phrase = ""
        self.final_t: float | None = None
        self.final_reasons: list[Reason] = []
        self.first_18x: float | None = None
        self.answered_t: float | None = None
        self.ok_count = 0
        self.ack_t: float | None = None
        self.se: int | None = None
        self.refresher: str | None = None
        self.min_se: int | None = None
        self.se_negotiated = False
        self.timer_supported: dict[str, bool] = {}
        self.refresh_keys: list[tuple[int, str]] = []
        self.bye: Ending | None = None
        self.bye_status: int | None = None
        self.cancel: Ending | None = None
        self.user_agents: dict[str, str] = {}
        self.contacts: dict[str, str] = {}
        self.vias: dict[str, dict[str, str | None]] = {}
        self.clocks: dict[int, int] | None = None
        """RTP clock rates by payload type from this call's SDP (built on first use)."""
        self.sdp: dict[str, Sdp] = {}
        self.sdp_history: list[tuple[float, str, str]] = []
        self.timeline: list[tuple[float, str, str, str]] = []
        self.messages = 0
        self.txns: dict[tuple[int, str], Txn] = {}
        self.streams: list[RtpStream] = []
        self.rtcp_packets = 0
        self.last_t = t
        self.media: dict[str, dict[str, Any]] = {}

    # --- message handling -------------------------------------------------------------
    def side_of_request(self, msg: SipMessage) -> str:
        if not self.from_tag:
            self.from_tag = msg.from_tag
            return "caller"
        return "caller" if msg.from_tag == self.from_tag else "callee"

    def on_message(self, t: float, src: str, dst: str, msg: SipMessage) -> Sdp | None:
        """Account one message; returns the SDP it carried (for media registration)."""
        self.messages += 1
        self.last_t = t
        cseq, cmethod = msg.cseq
        sdp = parse_sdp(msg.body) if msg.body and msg.has_sdp else None
        if msg.method:
            side, repeat = self._request(t, src, dst, msg, cseq)
        else:
            side, repeat = self._response(t, msg, cseq, cmethod)
        if len(self.timeline) < TIMELINE_CAP:
            label = msg.label
            if msg.method and cmethod != msg.method and cmethod:
                label += f" ({cmethod})"
            elif not msg.method:
                label += f" ({cmethod})" if cmethod != "INVITE" else ""
            if sdp is not None:
                label += f" SDP {sdp.direction}" if sdp.direction != "sendrecv" else " SDP"
            if repeat:
                label += " (retr.)"
            self.timeline.append((t, src, dst, label))
        if "timer" in (msg.get("supported") + "," + msg.get("require")).lower():
            self.timer_supported[side] = True
        ua = msg.get("user-agent") or msg.get("server")
        if ua and side not in self.user_agents:
            self.user_agents[side] = ua
        if msg.method and side not in self.vias:
            vias = msg.all("via")
            if vias:
                self.vias[side] = parse_via(vias[0])
        contact = msg.get("contact")
        if contact and side not in self.contacts:
            self.contacts[side] = host_of(contact)
        if sdp is not None and not repeat:
            self.sdp[side] = sdp
            self.clocks = None
            self.sdp_history.append((t, side, sdp.direction))
            return sdp
        return None

    def _request(
        self, t: float, src: str, dst: str, msg: SipMessage, cseq: int
    ) -> tuple[str, bool]:
        method = msg.method or ""
        key = (cseq, method)
        initial = method == "INVITE" and not msg.to_tag and self.answered_t is None
        if initial and not self.from_tag:
            self.from_tag = msg.from_tag
        side = self.side_of_request(msg)
        txn = self.txns.get(key)
        if txn is not None:
            txn.retrans += 1
            return side, True
        self.txns[key] = Txn(method, cseq, t, side, src, dst)
        if initial:
            self.invite_key = key
            if self.setup is None:
                self.setup = t
                self.partial = False
                self.caller, self.callee = src, dst
                self.from_uri = user_host(msg.get("from"))
                self.to_uri = user_host(msg.get("to"))
            self._session_expires(msg, negotiated=False)
        elif method in ("INVITE", "UPDATE") and (self.answered_t is not None or self.partial):
            self.refresh_keys.append(key)
            if not self.from_uri:
                self.from_uri = user_host(msg.get("from"))
                self.to_uri = user_host(msg.get("to"))
        elif method == "ACK":
            if self.invite_key and cseq == self.invite_key[0] and self.ack_t is None:
                self.ack_t = t
        elif method == "BYE":
            if self.bye is None:
                self.bye = Ending("BYE", t, side, src, dst, self._reasons(msg), cseq)
        elif method == "CANCEL" and self.cancel is None:
            self.cancel = Ending("CANCEL", t, side, src, dst, self._reasons(msg), cseq)
        if not self.from_uri and method in ("BYE", "INVITE", "UPDATE"):
            self.from_uri = user_host(msg.get("from"))
            self.to_uri = user_host(msg.get("to"))
        return side, False

    @staticmethod
    def _reasons(msg: SipMessage) -> list[Reason]:
        out: list[Reason] = []
        for v in msg.headers.get("reason", []):
            out.extend(parse_reason(v))
        for name in ("x-reason", "x-asterisk-hangupcausecode"):
            for v in msg.headers.get(name, []):
                if v.strip().isdigit():
                    out.append(Reason("Q.850", int(v.strip()), name))
                else:
                    out.extend(parse_reason(v))
        return out

    def _session_expires(self, msg: SipMessage, negotiated: bool) -> None:
        se_h = msg.get("session-expires")
        if se_h:
            se, ref = parse_session_expires(se_h)
            if se and (negotiated or not self.se_negotiated):
                self.se = se
                self.refresher = ref or self.refresher
                self.se_negotiated = self.se_negotiated or negotiated
        mse = msg.get("min-se").split(";")[0].strip()
        if mse.isdigit():
            self.min_se = int(mse)

    def _response(self, t: float, msg: SipMessage, cseq: int, cmethod: str) -> tuple[str, bool]:
        status = msg.status or 0
        key = (cseq, cmethod)
        txn = self.txns.get(key)
        if txn is not None:
            side = other(txn.by)
        elif self.from_tag:
            side = "callee" if msg.from_tag == self.from_tag else "caller"
        else:
            side = "callee"
        repeat = False
        if txn is not None:
            if status < 200:
                if status > 100 and txn.first_prov is None:
                    txn.first_prov = t
            elif txn.final is None:
                txn.final, txn.final_phrase, txn.final_t = status, msg.reason_phrase, t
            else:
                txn.final_repeats += 1
                repeat = True
        if cmethod == "INVITE" and key == self.invite_key:
            if 180 <= status < 200 and self.first_18x is None:
                self.first_18x = t
            if status >= 200:
                if not repeat and (self.final_status is None or self.answered_t is None):
                    self.final_status, self.final_phrase = status, msg.reason_phrase
                    self.final_t = t
                    self.final_reasons = self._reasons(msg)
                if 200 <= status < 300:
                    self.ok_count += 1
                    if self.answered_t is None:
                        self.answered_t = t
                        self._session_expires(msg, negotiated=True)
                        if msg.to_tag:
                            self.to_tag = msg.to_tag
        elif key in self.refresh_keys and 200 <= status < 300 and not repeat:
            self._session_expires(msg, negotiated=True)
        elif cmethod == "BYE" and self.bye is not None and cseq == self.bye.cseq and status >= 200:
            self.bye_status = self.bye_status or status
        return side, repeat

    # --- derived figures ----------------------------------------------------------------
    @property
    def pdd_ms(self) -> float | None:
        txn = self.txns.get(self.invite_key) if self.invite_key else None
        if txn is None or self.setup is None:
            return None
        mark = self.first_18x or txn.first_prov or self.final_t
        if mark is None:
            return None
        return round((mark - txn.t) * 1000.0, 1)

    @property
    def end_t(self) -> float | None:
        if self.bye:
            return self.bye.t
        if self.cancel:
            return self.cancel.t
        if self.final_status and self.final_status >= 300 and self.final_t:
            return self.final_t
        return None

    def refreshes(self) -> list[dict[str, Any]]:
        out = []
        for key in self.refresh_keys:
            txn = self.txns[key]
            out.append(
                {
                    "at": txn.t,
                    "method": txn.method,
                    "by": txn.by,
                    "answered": txn.final is not None,
                    "status": txn.final,
                    "answered_at": txn.final_t,
                }
            )
        return out

    def last_good_refresh(self) -> float | None:
        """Time of the last 2xx-answered refresh, or the answer."""
        best = self.answered_t
        for key in self.refresh_keys:
            txn = self.txns[key]
            if txn.final and 200 <= txn.final < 300 and txn.final_t:
                best = txn.final_t if best is None else max(best, txn.final_t)
        return best

    def session_timer(self) -> dict[str, Any] | None:
        if not self.se:
            return None
        base = self.last_good_refresh()
        out: dict[str, Any] = {
            "session_expires_s": self.se,
            "refresher": self.refresher,
            "min_se_s": self.min_se,
            "negotiated": self.se_negotiated,
            "timer_supported": dict(self.timer_supported),
            "last_refresh_at": base,
            "expires_at": None,
            "teardown_at": None,
        }
        if base is not None:
            out["expires_at"] = base + self.se
            out["teardown_at"] = base + self.se - teardown_margin(self.se)
        return out

    def hold_state(self, at: float) -> dict[str, str]:
        """Latest SDP direction of each side at time `at`."""
        state: dict[str, str] = {}
        for t, side, direction in self.sdp_history:
            if t <= at:
                state[side] = direction
        return state

    def retransmitted_200s(self) -> int:
        return max(0, self.ok_count - 1)
