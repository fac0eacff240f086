"""The firewall summary says `blocked` only when every checked RTP port is closed."""

from __future__ import annotations

import shutil
from pathlib import Path

from dropwizard.probes.host import RecordedHost

from .conftest import FIXTURES, probe

OPEN_RTP = "[200:32000] -A VOIP -p udp -m multiport --dports 6060,10000:20000 -j ACCEPT"


def snapshot(tmp_path: Path, rtp_rule: str) -> RecordedHost:
    """recorded_iptables with its RTP accept rule replaced."""
    root = tmp_path / "host"
    shutil.copytree(FIXTURES / "recorded_iptables", root)
    commands = root / "commands.yaml"
    text = commands.read_text()
    assert OPEN_RTP in text
    commands.write_text(text.replace(OPEN_RTP, rtp_rule))
    return RecordedHost(root)


def test_whole_rtp_range_dropped_reads_blocked(tmp_path: Path) -> None:
    host = snapshot(tmp_path, "[200:32000] -A VOIP -p udp -m udp --dport 6060 -j ACCEPT")
    ev = probe("firewall", host)
    assert ev.facts["rtp_open"] is False
    assert "RTP 10000-60000 blocked;" in ev.summary + ";", ev.summary
    assert "in part" not in ev.summary


def test_rtp_range_dropped_in_part_says_so(tmp_path: Path) -> None:
    ev = probe("firewall", snapshot(tmp_path, OPEN_RTP))
    assert "RTP 10000-60000 blocked in part" in ev.summary
