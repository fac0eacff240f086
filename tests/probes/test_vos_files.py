"""vos_config and vos_logs against a VOS3000 tree."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.host import LocalHost
from dropwizard.probes.vos_config import media_proxy, parse_conf

from .conftest import fixture_host, probe


def test_vos_config_reads_softswitch_conf() -> None:
    ev = probe("vos_config", fixture_host("vos3000"))
    assert ev.status.value == "ok"
    assert ev.facts == {
        "found": True,
        "media_proxy": "auto",
        "session_expires": 1800,
        "nat_keepalive": 30,
        "sip_ports": [5060, 6060],
    }
    assert set(ev.data["unknown"]) == {"min_se", "rtp_timeout"}
    assert ev.data["settings"]["session_expires"] == {
        "key": "SS_SIP_SESSION_TTL",
        "value": "1800",
        "file": "/home/kunshi/mbx3000/etc/softswitch.conf",
    }
    assert ev.data["rtp_range_from"].startswith("the guide's 10000-60000")


def test_vos_config_missing_is_skipped_not_guessed(tmp_path: Path) -> None:
    ev = probe("vos_config", LocalHost(tmp_path))
    assert ev.status.value == "skipped" and ev.facts == {"found": False}


def test_vos_config_flags_off_proxy_and_small_session_timer(tmp_path: Path) -> None:
    conf = tmp_path / "home/kunshi/mbx3000/etc"
    conf.mkdir(parents=True)
    (conf / "softswitch.conf").write_text(
        "SS_MEDIAPROXYMODE = Off\nSS_SIP_SESSION_TTL='60'\nSS_RTP_PORT_RANGE=20000-29999\nSIP_PORT=5080\n"
    )
    ev = probe("vos_config", LocalHost(tmp_path))
    assert ev.status.value == "warn"
    assert ev.facts["media_proxy"] == "off" and ev.facts["session_expires"] == 60
    assert ev.facts["sip_ports"] == [5080]
    assert ev.data["rtp_range"] == [20000, 29999]
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/udp").write_text(
        "  sl  local_address rem_address   st\n   0: 0100007F:4E21 00000000:0000 07\n"
    )
    ports = probe("rtp_ports", LocalHost(tmp_path))
    assert ports.facts["range_size"] == 10000 and ports.facts["in_use"] == 1
    assert ports.data["range_from"].endswith("SS_RTP_PORT_RANGE")


def test_media_proxy_words() -> None:
    assert [media_proxy(v) for v in ("On", "Must On", "off", "AUTO", "2", None)] == [
        "on",
        "on",
        "off",
        "auto",
        "unknown",
        "unknown",
    ]


@given(
    st.dictionaries(
        st.from_regex(r"[A-Z][A-Z0-9_]{0,20}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9,.]{0,12}", fullmatch=True),
    )
)
def test_conf_parser_round_trips(values: dict[str, str]) -> None:
    text = "\n".join(
        f'{k}="{v}"' if i % 2 else f"{k}={v}" for i, (k, v) in enumerate(values.items())
    )
    assert parse_conf("# header\n" + text) == values


def test_vos_logs_counts_route_changes_failovers_errors() -> None:
    ev = probe("vos_logs", fixture_host("vos3000"))
    assert ev.status.value == "warn"
    assert ev.facts == {"found": True, "route_changes": 3, "failovers": 2, "errors": 2}
    assert len(ev.data["files"]) == 2
    assert any("switch to next route GW-CARRIER-B" in s for s in ev.data["samples"]["failovers"])


def test_vos_logs_reads_only_the_tail(tmp_path: Path) -> None:
    log = tmp_path / "home/kunshi/mbx3000/log"
    log.mkdir(parents=True)
    head = "2026-11-28 09:00:00 failover to backup gateway GW-X\n" * 50
    body = "2026-11-28 10:00:00 call answered\n" * 20000
    (log / "mbx.log").write_text(head + body + "2026-11-28 11:00:00 [ERROR] socket error\n")
    ev = probe("vos_logs", LocalHost(tmp_path), config=ProbeConfig(log_tail_bytes=64 * 1024))
    assert ev.facts["failovers"] == 0 and ev.facts["errors"] == 1
    assert ev.data["files"][0]["read"] <= 64 * 1024


def test_vos_logs_patterns_are_configurable() -> None:
    cfg = ProbeConfig.from_section({"log_patterns": {"failovers": ["GW-CARRIER-C"]}})
    ev = probe("vos_logs", fixture_host("vos3000"), config=cfg)
    assert ev.facts["failovers"] == 1


def test_vos_logs_absent_directory(tmp_path: Path) -> None:
    ev = probe("vos_logs", LocalHost(tmp_path))
    assert ev.status.value == "skipped" and ev.facts == {"found": False}
    assert "/home/kunshi/mbx3000/log" in ev.summary
