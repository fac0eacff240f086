"""Per-call media verdicts: which direction stopped, was missing, was held or silent."""

from __future__ import annotations

from typing import Any

from dropwizard.capture.dialogs import Call
from dropwizard.capture.rtp import CN_PT

DIRECTIONS = ("caller->callee", "callee->caller")
HOLD_SEND = frozenset({"recvonly", "inactive"})
HOLD_RECV = frozenset({"sendonly", "inactive"})


def call_end(call: Call, capture_end: float) -> float | None:
    """When the media of a call should have run until: BYE, else the capture end if answered."""
    if call.end_t is not None:
        return call.end_t
    if call.answered_t is not None or call.partial:
        return capture_end
    return None


def is_held(call: Call, sender: str, at: float) -> bool:
    """True when SDP put the sender's media on hold (or inactive) as of `at`."""
    state = call.hold_state(at)
    receiver = "callee" if sender == "caller" else "caller"
    return state.get(sender) in HOLD_SEND or state.get(receiver) in HOLD_RECV


def evaluate(call: Call, capture_end: float, threshold: float, any_rtp: bool) -> dict[str, Any]:
    """Direction -> {packets, first, last, stopped_before_end_s, state}.

    state: ok, stopped (silent for >= threshold before the end), missing (none at all while the
    other direction flowed), held (SDP hold or inactive), silence (comfort noise last), none.
    """
    end = call_end(call, capture_end)
    out: dict[str, dict[str, Any]] = {}
    for st in call.streams:
        st.held = False
    for d in DIRECTIONS:
        sender = d.split("->")[0]
        streams = [s for s in call.streams if s.sender == sender and s.packets]
        packets = sum(s.packets for s in streams)
        info: dict[str, Any] = {"packets": packets, "lost": sum(max(0, s.lost) for s in streams)}
        if not streams:
            info.update(first=None, last=None, stopped_before_end_s=None, state="none")
            out[d] = info
            continue
        last_stream = max(streams, key=lambda s: s.last)
        first = min(s.first for s in streams)
        info["first"], info["last"] = first, last_stream.last
        stop = max(0.0, end - last_stream.last) if end is not None else None
        info["stopped_before_end_s"] = round(stop, 3) if stop is not None else None
        state = "ok"
        if stop is not None and stop >= threshold:
            if is_held(call, sender, end if end is not None else capture_end):
                state = "held"
                for s in streams:
                    s.held = True
            elif last_stream.last_pt == CN_PT:
                state = "silence"
            else:
                state = "stopped"
        info["state"] = state
        out[d] = info
    if any_rtp and call.answered_t is not None:
        end = call_end(call, capture_end)
        long_enough = end is not None and end - call.answered_t >= threshold
        for d in DIRECTIONS:
            o = out[DIRECTIONS[1 - DIRECTIONS.index(d)]]
            sender = d.split("->")[0]
            if out[d]["state"] == "none" and o["packets"] and long_enough:
                held = is_held(call, sender, end if end is not None else capture_end)
                out[d]["state"] = "held" if held else "missing"
    return out


def verdict(media: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Summary flags of one call's media."""
    states = [media[d]["state"] for d in DIRECTIONS]
    bad = [s in ("stopped", "missing") for s in states]
    flowing = [s in ("ok", "held", "silence") for s in states]
    return {
        "stopped": "stopped" in states,
        "one_way": (bad[0] and flowing[1]) or (bad[1] and flowing[0]),
        "both_stopped": states[0] == "stopped" and states[1] == "stopped",
    }
