"""Every root-to-leaf path of flows/call-drop.yaml, enumerated here from the YAML and walked
headlessly with the engine; plus coverage of the finding ids and of the guide's verbatim fixes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dropwizard.diagnosis.finding import FINDING_IDS
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.loader import load_flow

ROOT = Path(__file__).resolve().parents[2]
FLOW_PATH = ROOT / "flows" / "call-drop.yaml"
RAW: dict[str, Any] = yaml.safe_load(FLOW_PATH.read_text(encoding="utf-8"))
NODES: dict[str, dict[str, Any]] = {n["id"]: n for n in RAW["nodes"]}

Path_ = list[tuple[str, str | None]]
"""A walk: (node id, option id taken there); the leaf comes last with option None."""


def is_leaf(node: dict[str, Any]) -> bool:
    return node["type"] == "end" or (node["type"] == "finding" and not node.get("next"))


def ways_out(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(option id, next node id) pairs; a finding with `next` continues through `continue`."""
    if node["type"] == "finding":
        return [("continue", node["next"])] if node.get("next") else []
    return [(o["id"], o["next"]) for o in node.get("options") or []]


def enumerate_paths() -> list[Path_]:
    """Every simple path from the start node to a leaf, by a depth-first walk of the YAML."""
    out: list[Path_] = []

    def walk(node_id: str, so_far: Path_, seen: frozenset[str]) -> None:
        node = NODES[node_id]
        if is_leaf(node):
            out.append([*so_far, (node_id, None)])
            return
        for option_id, nxt in ways_out(node):
            if nxt not in seen:
                walk(nxt, [*so_far, (node_id, option_id)], seen | {nxt})

    walk(RAW["start"], [], frozenset({RAW["start"]}))
    return out


PATHS = enumerate_paths()


@pytest.fixture(scope="module")
def flow():
    return load_flow(FLOW_PATH)


def _path_id(path: Path_) -> str:
    return "-".join(f"{n}.{o}" for n, o in path[1:-1]) + f"->{path[-1][0]}"


def test_enumeration_finds_every_leaf() -> None:
    leaves = {nid for nid, node in NODES.items() if is_leaf(node)}
    reached = {p[-1][0] for p in PATHS}
    assert reached == leaves
    assert len(PATHS) > len(leaves)


LEAVES = sorted({p[-1][0] for p in PATHS})


def walk(flow, path: Path_) -> None:
    """Walk one path with an empty registry (nothing gathered), taking the path's option at
    each node, and check that it ends at the path's leaf with the leaf's finding."""
    where = _path_id(path)
    eng = Engine(flow, Registry(), GatherContext(scope=Scope(kind="window"), flow=flow))
    eng.start()
    for node_id, option_id in path[:-1]:
        assert eng.current is not None and eng.current.id == node_id, where
        assert not eng.finished, where
        eng.gather()
        eng.propose()
        eng.choose(option_id)
    leaf_id = path[-1][0]
    assert eng.current is not None and eng.current.id == leaf_id, where
    assert eng.finished, where
    assert [s.node for s in eng.path] == [n for n, _ in path[:-1]], where
    leaf = NODES[leaf_id]
    if leaf["type"] == "finding":
        finding = eng.findings[-1]
        assert finding.id == leaf["finding"], where
        assert finding.recommendations, where
        assert eng.ended == "diagnosed", where
    else:
        assert leaf["type"] == "end", where
    on_path = [NODES[n]["finding"] for n, _ in path if NODES[n]["type"] == "finding"]
    assert [f.id for f in eng.findings] == on_path, where


@pytest.mark.parametrize("leaf", LEAVES)
def test_every_path_to_leaf_walks_there(flow, leaf: str) -> None:
    paths = [p for p in PATHS if p[-1][0] == leaf]
    assert paths
    for path in paths:
        walk(flow, path)


# --- coverage ------------------------------------------------------------------------------


def test_every_design_finding_id_is_reachable() -> None:
    on_paths = {NODES[n]["finding"] for p in PATHS for n, _ in p if NODES[n]["type"] == "finding"}
    assert set(FINDING_IDS) <= on_paths
    assert set(RAW["findings"]) == set(FINDING_IDS)


def test_every_node_is_on_some_path() -> None:
    on_paths = {n for p in PATHS for n, _ in p}
    assert on_paths == set(NODES)


def test_every_node_teaches_and_cites() -> None:
    for node in RAW["nodes"]:
        assert len(node.get("title", "").strip()) > 3, node["id"]
        explain = " ".join(node.get("explain", "").split())
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", explain) if x]
        assert 2 <= len(sentences) <= 6, (node["id"], len(sentences))
        assert len(explain) >= 120, node["id"]
        ref = node.get("reference", "")
        assert "checklist" in ref or "guide" in ref, node["id"]
        if node["type"] in ("ask", "check"):
            assert node.get("question"), node["id"]
    for fid, spec in RAW["findings"].items():
        assert spec.get("explain") and spec.get("reference"), fid


def test_guide_steps_are_nodes_with_the_guide_titles() -> None:
    titles = {n["title"] for n in RAW["nodes"]}
    for title in (
        "START: Call Drop Reported",
        "[1] Check CDR Release Cause Code",
        "[2] Timeout Analysis",
        "[3] Provider Analysis",
        "[4] Other Causes",
        "RESOLVED: Call Stability Restored",
    ):
        assert title in titles


def _fix_text(finding_id: str) -> str:
    parts: list[str] = []
    for fix in RAW["findings"][finding_id]["fixes"]:
        parts += [fix["text"], fix.get("menu") or "", *(fix.get("commands") or [])]
    return "\n".join(" ".join(p.split()) for p in parts)


def _fixes(finding_id: str, needle: str) -> list[dict[str, Any]]:
    return [
        fx
        for fx in RAW["findings"][finding_id]["fixes"]
        if needle in " ".join(fx["text"].split()) or needle == fx.get("menu")
    ]


VERBATIM: list[tuple[str, str]] = [
    ("rtp_timeout", "System Parameters -> Media -> RTP Timeout"),
    ("rtp_timeout", "tcpdump -n -i eth0 host ENDPOINT_IP and udp portrange 10000-60000 -c 100"),
    ("rtp_timeout", "Recommended: 30-60 seconds (increase only if needed)"),
    ("session_timer_expiry", "System Parameters -> SIP -> Session Timer"),
    ("session_timer_expiry", "Session Expires: 1800 (increase to 3600 if needed)"),
    ("session_timer_expiry", "Min-SE: 90"),
    ("session_timer_expiry", "Session Timer Refresher: uac (let the client refresh)"),
    ("session_timer_expiry", "Session Expires: 0 (disabled)"),
    (
        "session_timer_expiry",
        'tcpdump -n -i eth0 port 5060 -A -s 0 | grep -E "(INVITE|Session-Expires|Min-SE)"',
    ),
    ("firewall_udp_timeout", "echo 3600 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream"),
    ("firewall_udp_timeout", "echo 300 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout"),
    (
        "firewall_udp_timeout",
        'echo "net.netfilter.nf_conntrack_udp_timeout_stream = 3600" >> /etc/sysctl.conf',
    ),
    (
        "firewall_udp_timeout",
        'echo "net.netfilter.nf_conntrack_udp_timeout = 300" >> /etc/sysctl.conf',
    ),
    ("firewall_udp_timeout", "sysctl -p"),
    ("firewall_udp_timeout", "cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream"),
    ("firewall_udp_timeout", "A minimum of 3600 seconds (1 hour) is recommended for RTP streams"),
    ("nat_keepalive_loss", 'Enable "Heartbeat" or "OPTIONS Keepalive"'),
    ("nat_keepalive_loss", "Set interval: 30 seconds"),
    ("nat_keepalive_loss", "Set retry count: 3"),
    ("nat_keepalive_loss", "Configure RTP keepalive interval: 20 seconds"),
    ("nat_keepalive_loss", "Set SIP registration interval to 60 seconds"),
    ("failover_switch", '"next route on new call only"'),
    ("failover_switch", "check the name on your version"),
    ("failover_switch", "above 80%"),
    ("failover_switch", 'tail -500 /var/log/vos3000/mbx3000.log | grep -i "route"'),
    ("provider_rejection", "Configure failover to backup provider"),
    ("provider_rejection", "Contact provider about limits"),
    ("provider_rejection", "Check PDD timeout settings"),
    ("provider_rejection", "Check if caller or provider initiated cancel"),
    ("rtp_port_exhaustion", "Increase RTP port range"),
]


@pytest.mark.parametrize(("finding_id", "text"), VERBATIM, ids=[t[:40] for _, t in VERBATIM])
def test_guide_fix_appears_verbatim(finding_id: str, text: str) -> None:
    assert text in _fix_text(finding_id)


def test_workarounds_are_labelled_as_the_guide_does() -> None:
    raise_rtp = _fixes("rtp_timeout", "Increase the RTP timeout value")
    assert [f["kind"] for f in raise_rtp] == ["workaround"]
    raise_se = _fixes("session_timer_expiry", "Increase Session-Expires")
    assert [f["kind"] for f in raise_se] == ["workaround"]
    root_cause = _fixes("session_timer_expiry", "Investigate why the re-INVITE is failing")
    assert [f["kind"] for f in root_cause] == ["fix"]
    bypass = _fixes("firewall_udp_timeout", "temporarily disable")
    assert [f["kind"] for f in bypass] == ["diagnostic"]
    review = _fixes("failover_switch", "Review LCR failover settings")
    assert [f["kind"] for f in review] == ["diagnostic"]
    for fid, spec in RAW["findings"].items():
        kinds = {f["kind"] for f in spec["fixes"]}
        assert kinds <= {"fix", "workaround", "diagnostic"}, fid


def test_drop_type_table_rows() -> None:
    rows = {
        "rtp_timeout": ("After 30s silence", "BYE from VOS3000", "102 Recovery on timer expiry"),
        "session_timer_expiry": (
            "After session interval",
            "BYE from VOS3000",
            "102 Recovery on timer expiry",
        ),
        "firewall_udp_timeout": ("After 2-5 min idle", "No BYE (just silence)", "Varies"),
        "failover_switch": ("Random, mid-call", "BYE or CANCEL", "41 Normal clearing or 487"),
        "provider_rejection": ("Early, during setup", "503 or 487", "34/38/41"),
        "nat_keepalive_loss": ("After 1-5 min", "BYE or silence", "102"),
    }
    categories = {
        "rtp_timeout": "network",
        "session_timer_expiry": "configuration",
        "firewall_udp_timeout": "network",
        "failover_switch": "configuration",
        "provider_rejection": "upstream",
        "nat_keepalive_loss": "network",
    }
    for fid, (duration, sip, cause) in rows.items():
        row = RAW["findings"][fid]["drop_type"]
        assert row["duration"] == duration and row["sip"] == sip, fid
        assert str(row["cause"]).startswith(cause), fid
        assert RAW["findings"][fid]["category"] == categories[fid]


def test_sip_and_q850_tables_are_taught() -> None:
    provider = " ".join(RAW["findings"]["provider_rejection"]["explain"].split())
    for status in ("503", "487", "486", "480", "408"):
        assert status in provider
    for cause in ("34 No circuit available", "38 Network out of order", "41 Temporary failure"):
        assert cause in provider
    normal = " ".join(RAW["findings"]["normal_clearing"]["explain"].split())
    for cause in ("16", "17 User busy", "18 No user responding", "19 No answer from user"):
        assert cause in normal
    step2 = " ".join(NODES["step2"]["explain"].split())
    assert "Recovery on timer expiry" in step2 and "Check RTP flow, session timer" in step2
    session = " ".join(RAW["findings"]["session_timer_expiry"]["explain"].split())
    assert "1800 -> 1768 s" in session and "SE - min(32, SE/3)" in session


def test_prevention_checklist() -> None:
    items = {p["text"].split(",")[0].split(";")[0] for p in RAW["prevention"]}
    assert len(RAW["prevention"]) >= 6
    joined = " ".join(
        f"{p['text']} {p.get('where', '')} {p.get('impact', '')}" for p in RAW["prevention"]
    )
    for needle in (
        "Enable media proxy",
        "Eliminates 90% of NAT drops",
        "30 second interval",
        "UDP timeout 3600s",
        "Session timer tuning",
        "No mid-call switching",
        "Backup routes",
        "LCR configuration",
    ):
        assert needle in joined
    assert items
    end = " ".join(NODES["end"]["explain"].split())
    assert "media proxy" in end and "3600" in end and "backup routes" in end


def test_flows_check_exits_zero() -> None:
    exe = Path(sys.executable).parent / "dropwizard"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dropwizard"]
    proc = subprocess.run(
        [*cmd, "flows", "check", str(FLOW_PATH)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_fix_texts_lead_into_their_commands() -> None:
    """Recommendations render as `KIND: text: cmd; cmd`, so a text before commands ends bare."""
    for fid, spec in RAW["findings"].items():
        for fix in spec["fixes"]:
            assert fix["text"].strip(), fid
            if fix.get("commands"):
                assert fix["text"].rstrip()[-1] not in ".:;", (fid, fix["text"][-40:])


def test_conntrack_persistence_names_the_load_command_for_each_location() -> None:
    """`sysctl -p` loads /etc/sysctl.conf only; a file under /etc/sysctl.d needs `--system`."""
    (fix,) = _fixes("firewall_udp_timeout", "Make them persistent across reboots")
    text = " ".join(fix["text"].split())
    assert "`sysctl -p` reads /etc/sysctl.conf only" in text
    assert "/etc/sysctl.d/ need `sysctl --system`" in text
    assert all(c.endswith(">> /etc/sysctl.conf") for c in fix["commands"][:-1])
    assert fix["commands"][-1] == "sysctl -p"
