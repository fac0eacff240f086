"""A realistic transcript of one diagnosis, written through TranscriptLog with a fixed clock."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from dropwizard.diagnosis.finding import Finding, Severity
from dropwizard.evidence import Evidence, Status
from dropwizard.scope import Scope
from dropwizard.transcript.log import TranscriptLog

T0 = datetime(2026, 11, 28, 14, 10, 0, tzinfo=timezone.utc)
CALLER = "8613800138000"
CALLEE = "+442079460958"
PASSWORD = "Sup3rSecret"
SYSCTL = (
    "sysctl -w net.netfilter.nf_conntrack_udp_timeout=300 "
    "net.netfilter.nf_conntrack_udp_timeout_stream=3600"
)
PERSIST = (
    "printf 'net.netfilter.nf_conntrack_udp_timeout = 300\\n"
    "net.netfilter.nf_conntrack_udp_timeout_stream = 3600\\n' > /etc/sysctl.d/90-voip.conf"
)
TCPDUMP = "tcpdump -i any -s 256 -w /tmp/refresh.pcap 'udp port 5060 and host 10.20.30.41'"
SESSION_MENU = "System Parameters -> SIP -> Session Timer"
COMMANDS = (SYSCTL, PERSIST, "sysctl --system", TCPDUMP)


class StepClock:
    """A clock that moves 1.25 s per reading, from T0."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> datetime:
        self.n += 1
        return T0 + timedelta(milliseconds=1250 * self.n)


def epoch_ms(text: str) -> int:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp() * 1000)


def at(seconds: float) -> str:
    dt = T0 + timedelta(seconds=seconds)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample(call_id: str, start: str, holdtime: int, cause: int = 102) -> dict[str, Any]:
    return {
        "callercallid": call_id,
        "starttime": epoch_ms(start),
        "callere164": CALLER,
        "calleee164": CALLEE,
        "holdtime": holdtime,
        "cause": cause,
        "gateway": "GW-CT-01",
    }


def evidence(name: str, kind: str, status: Status, summary: str, t: float, **kw: Any) -> dict:
    return Evidence(
        name=name,
        kind=kind,
        asked=kw.pop("asked", name),
        status=status,
        summary=summary,
        started_at=at(t),
        duration_ms=kw.pop("duration_ms", 12.5),
        **kw,
    ).to_dict()


SESSION_FIXES: list[dict[str, Any]] = [
    {
        "kind": "fix",
        "text": "Raise Session Expires to 3600 s, keep Min-SE at 90 s and let the client "
        "refresh (Session Timer Refresher: uac).",
        "menu": SESSION_MENU,
    },
    {
        "kind": "workaround",
        "text": "Disable session timers (Session Expires: 0) for endpoints that do not answer "
        "the refresh re-INVITE.",
        "menu": SESSION_MENU,
    },
    {
        "kind": "fix",
        "text": "Let the refresh re-INVITE through NAT and firewalls: raise the conntrack UDP "
        "timeouts and persist them across reboots.",
        "commands": [SYSCTL, PERSIST, "sysctl --system"],
    },
    {
        "kind": "diagnostic",
        "text": "Capture one call on the gateway and check that every re-INVITE gets a 200 OK.",
        "commands": [TCPDUMP],
        "when": "capture.present == false",
    },
]


def write_sample_transcript(path: Path) -> Path:
    """Write the sample diagnosis (with one override, one undone branch, two findings)."""
    log = TranscriptLog.create(path, clock=StepClock())
    a = log.append
    a(
        "session_started",
        {
            "session_id": "20261128T141000Z-kqzmwp",
            "flow": "call-drop",
            "flow_version": 1,
            "flow_digest": hashlib.sha256(b"call-drop flow v1").hexdigest(),
            "source": f"mysql://report:{PASSWORD}@10.20.30.40:3306/vos3000",
            "mode": "diagnose",
            "user": "alice",
            "host": "vos-mon-01",
            "version": "0.1.0",
        },
    )
    a("scope", {"scope": Scope.for_call(f"{CALLER}@2026-11-28T13:35:30Z").to_dict()})
    a("node_entered", {"node": "start", "title": "What was reported?"})
    a(
        "proposal",
        {
            "node": "start",
            "option": "one_call",
            "label": "One reported call (number and time)",
            "reason": f"The session was started for call {CALLER}.",
            "facts": {"scope.kind": "call", "scope.number": CALLER},
        },
    )
    a(
        "choice",
        {
            "node": "start",
            "option": "one_call",
            "next": "step1",
            "by": "proposal",
            "label": "One reported call (number and time)",
        },
    )
    a("node_entered", {"node": "step1", "title": "[1] Check CDR Release Cause Code"})
    a(
        "evidence",
        {
            "node": "step1",
            "evidence": evidence(
                "cdr.causes",
                "cdr",
                Status.WARN,
                f"Call {CALLER} ended with Q.850 cause 102 (Recovery on timer expiry) after "
                "1770 s of talk; 41 of 48 answered calls of that gateway in the window did too.",
                10,
                asked="SELECT endreason, holdtime, sipreasonheader FROM e_cdr_20261128 "
                "WHERE callere164 = %s AND starttime BETWEEN %s AND %s",
                facts={"calls": 48, "top_cause": 102, "top_cause_share": 0.854, "call_cause": 102},
                data={
                    "samples": [
                        sample(
                            "a3f1c9e2-77b4-4d0e-9c1a-5e8b2d6f0a14@10.20.30.41",
                            "2026-11-28T13:35:30Z",
                            1770,
                        ),
                    ]
                },
                raw=f"| {CALLER} | 102 | 1770 |",
            ),
        },
    )
    a(
        "proposal",
        {
            "node": "step1",
            "option": "cause102",
            "label": "102 (Timer Expiry)",
            "reason": "The call ended with cause 102 (Recovery on timer expiry).",
            "facts": {"cdr.causes.call_cause": 102, "cdr.causes.top_cause_share": 0.854},
        },
    )
    a(
        "choice",
        {
            "node": "step1",
            "option": "cause102",
            "next": "step2",
            "by": "proposal",
            "label": "102 (Timer Expiry)",
        },
    )
    a("node_entered", {"node": "step2", "title": "[2] Timeout analysis"})
    a(
        "evidence",
        {
            "node": "step2",
            "evidence": evidence(
                "cdr.durations",
                "cdr",
                Status.WARN,
                "38 of 41 drops came between 1768 and 1772 s after answer: a spike at 1770 s, "
                "which is Session-Expires 1800 s minus 30 s (RFC 4028 teardown).",
                12,
                facts={
                    "drops": 41,
                    "pattern": "spike",
                    "spike_s": 1770,
                    "spike_share": 0.927,
                    "spike_kind": "session_timer",
                    "implied_session_expires": 1800,
                },
                data={
                    "window": {"since": "2026-11-28T01:35:30Z", "until": "2026-11-29T01:35:30Z"},
                    "histogram": {"1760..1780": 38, "0..600": 2, "600..1200": 1},
                    "samples": [
                        sample(
                            "0b7e4a91-2c3d-4f5e-8a6b-7c8d9e0f1a2b@10.20.30.41",
                            "2026-11-28T12:02:11Z",
                            1769,
                        ),
                        {
                            "flowno": 73361025,
                            "starttime": epoch_ms("2026-11-28T12:40:03Z"),
                            "callere164": "+86 138 0013 8000",
                            "calleee164": "0044-20-7946-0958",
                            "holdtime": 1771,
                        },
                    ],
                },
            ),
        },
    )
    a(
        "evidence",
        {
            "node": "step2",
            "evidence": evidence(
                "probe.vos_config",
                "probe",
                Status.OK,
                "Session Expires 1800 s, Min-SE 90 s, refresher uas, media proxy off.",
                13,
                facts={"found": True, "session_expires": 1800, "min_se": 90, "media_proxy": "off"},
                data={
                    "config_file": "/home/kunshi/mbx3000/etc/softswitch.conf",
                    "db_password": PASSWORD,
                },
            ),
        },
    )
    a(
        "evidence",
        {
            "node": "step2",
            "evidence": evidence(
                "probe.sip_capture",
                "probe",
                Status.SKIPPED,
                "No capture file was named for this session, so refreshes could not be seen.",
                13.5,
            ),
        },
    )
    a(
        "proposal",
        {
            "node": "step2",
            "option": "interval",
            "reason": "93 % of the drops came 1770 s after answer: a consistent interval.",
            "facts": {"cdr.durations.pattern": "spike", "cdr.durations.spike_share": 0.927},
        },
    )
    a("choice", {"node": "step2", "option": "silence", "next": "step2_silence", "by": "operator"})
    a(
        "override",
        {
            "node": "step2",
            "proposed": "interval",
            "chosen": "silence",
            "reason": "The customer says the line went quiet before the cut; checking media first.",
        },
    )
    a("node_entered", {"node": "step2_silence", "title": "Drops after a silence period"})
    a(
        "note",
        {
            "node": "step2_silence",
            "text": "Customer ticket #48213 reports one-way audio on +86 138 0013 8000 before "
            "the cut | seen twice this week.",
        },
    )
    a(
        "choice",
        {"node": "step2_silence", "option": "rtp", "next": "f_rtp_timeout", "by": "operator"},
    )
    a("node_entered", {"node": "f_rtp_timeout", "title": "RTP timeout"})
    a(
        "finding",
        {
            "node": "f_rtp_timeout",
            "finding": Finding(
                id="rtp_timeout", title="RTP timeout", severity=Severity.HIGH, confidence=0.3
            ).to_dict(),
            "fixes": [
                {
                    "kind": "fix",
                    "text": "Enable media proxy.",
                    "menu": "System Parameters -> Media -> RTP Timeout",
                }
            ],
        },
    )
    a("back", {"from": "f_rtp_timeout", "to": "step2"})
    a("node_entered", {"node": "step2", "title": "[2] Timeout analysis"})
    a(
        "choice",
        {
            "node": "step2",
            "option": "interval",
            "next": "f_session_timer",
            "by": "operator",
            "label": "Call drops at consistent interval",
        },
    )
    a("node_entered", {"node": "f_session_timer", "title": "SIP session timer expiry"})
    a(
        "finding",
        {
            "node": "f_session_timer",
            "finding": Finding(
                id="session_timer_expiry",
                title="SIP session timer expiry",
                severity=Severity.HIGH,
                confidence=0.86,
                gateway="GW-CT-01",
                side="callee",
                calls=38,
                evidence=[
                    "38 of 41 answered drops ended 1770 s after answer, 30 s before the "
                    "1800 s Session-Expires: the refresh re-INVITE went unanswered.",
                    f"Call {CALLER} at 2026-11-28T13:35:30Z is one of them (holdtime 1770 s).",
                ],
                recommendations=["FIX: Raise Session Expires to 3600 s."],
                data={
                    "category": "configuration",
                    "timer_s": 1770,
                    "implied_session_expires": 1800,
                    "samples": [
                        sample(
                            "a3f1c9e2-77b4-4d0e-9c1a-5e8b2d6f0a14@10.20.30.41",
                            "2026-11-28T13:35:30Z",
                            1770,
                        ),
                    ],
                },
            ).to_dict(),
            "fixes": SESSION_FIXES,
        },
    )
    a(
        "choice",
        {"node": "f_session_timer", "option": "next", "next": "step_conntrack", "by": "proposal"},
    )
    a("node_entered", {"node": "step_conntrack", "title": "Firewall UDP timeouts"})
    a(
        "evidence",
        {
            "node": "step_conntrack",
            "evidence": evidence(
                "probe.conntrack",
                "probe",
                Status.FAIL,
                "nf_conntrack_udp_timeout_stream is 180 s and udp_timeout 30 s, below the "
                "3600 s / 300 s the guide asks for, and not persisted in /etc/sysctl.d.",
                40,
                facts={
                    "loaded": True,
                    "udp_timeout": 30,
                    "udp_stream_timeout": 180,
                    "meets_guide": False,
                    "persisted": False,
                },
            ),
        },
    )
    a(
        "proposal",
        {
            "node": "step_conntrack",
            "option": "short",
            "reason": "The UDP stream timeout is 180 s, under 3600 s.",
            "facts": {
                "probe.conntrack.meets_guide": False,
                "probe.conntrack.udp_stream_timeout": 180,
            },
        },
    )
    a(
        "choice",
        {"node": "step_conntrack", "option": "short", "next": "f_firewall", "by": "proposal"},
    )
    a("node_entered", {"node": "f_firewall", "title": "Firewall UDP timeout"})
    a(
        "finding",
        {
            "node": "f_firewall",
            "finding": Finding(
                id="firewall_udp_timeout",
                title="Firewall UDP timeout",
                severity=Severity.MEDIUM,
                confidence=0.6,
                calls=3,
                evidence=["conntrack forgets an idle UDP stream after 180 s."],
            ).to_dict(),
            "fixes": [
                {
                    "kind": "fix",
                    "text": "Raise and persist the conntrack UDP timeouts.",
                    "commands": [SYSCTL],
                },
            ],
        },
    )
    a("end", {"node": "end", "outcome": "diagnosed"})
    log.close()
    return path
