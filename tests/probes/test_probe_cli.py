"""`dropwizard probe` and the `probe.*` gatherers."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.config import Config
from dropwizard.gather import GatherContext, Registry
from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.gatherers import PROBES, register, run_probe

from .conftest import FIXTURES, fixture_host, free_udp_port

FACTS_MD = Path(__file__).resolve().parents[2] / "docs" / "facts.md"


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[probes]\nsip_options_interval = 0.1\nudp_sample_s = 0\n")
    monkeypatch.setenv("DROPWIZARD_CONFIG", str(cfg))
    return cfg


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    rc = main(["probe", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return rc, json.loads(out)


def test_json_records(capsys: pytest.CaptureFixture[str]) -> None:
    rc, records = run_json(["conntrack", "--root", str(FIXTURES / "centos6")], capsys)
    assert rc == 0
    assert [r["name"] for r in records] == ["probe.conntrack"]
    rec = records[0]
    assert rec["status"] == "ok" and rec["facts"]["udp_stream_timeout"] == 3600
    assert set(rec) >= {
        "name",
        "kind",
        "asked",
        "status",
        "summary",
        "facts",
        "data",
        "advice",
        "raw",
        "started_at",
        "duration_ms",
    }


def test_fail_on_fail_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc, records = run_json(
        ["conntrack", "--root", str(FIXTURES / "kernel4"), "--fail-on", "fail"], capsys
    )
    assert rc == 1 and records[0]["status"] == "fail"
    rc, _ = run_json(
        ["conntrack", "--root", str(FIXTURES / "centos6"), "--fail-on", "fail"], capsys
    )
    assert rc == 0


def test_default_selection_and_target(capsys: pytest.CaptureFixture[str]) -> None:
    rc, records = run_json(["--root", str(FIXTURES / "vos3000")], capsys)
    names = [r["name"] for r in records]
    assert names == [f"probe.{n}" for n, s in PROBES.items() if not s.live]
    port = free_udp_port()
    rc, records = run_json(
        ["--root", str(FIXTURES / "vos3000"), "--target", f"127.0.0.1:{port}"], capsys
    )
    last = records[-1]
    assert last["name"] == "probe.sip_options" and last["facts"] == {
        "answered": False,
        "timeouts": 0,
        "port_unreachable": True,
    }
    assert rc == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuchprobe"], "unknown probe 'nosuchprobe'"),
        (["rtp_flow", "--endpoint", "1.2.3"], "invalid endpoint address '1.2.3'"),
        (["sip_options", "--target", "bad host"], "invalid host"),
        (
            ["rtp_flow", "--endpoint", "127.0.0.1", "--interface", "nosuchif0"],
            "no interface 'nosuchif0'",
        ),
        (["sip_flood", "--seconds", "0"], "--seconds 0"),
        (["sip_flood", "--seconds", "0.3"], "give 1 to 600 seconds"),
        (["--root", "/nonexistent/dir"], "not a directory"),
        (["rtp_ports", "--rtp-range", "60000-10000"], "invalid --rtp-range"),
        (["sip_capture", "--sip-ports", "5060,99999"], "invalid --sip-ports '99999'"),
    ],
)
def test_input_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["probe", "conntrack", "services", "--root", str(FIXTURES / "vos3000")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "conntrack" in out and "services" in out and "fail" in out
    assert "echo 3600 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream" in out
    assert "down: empd" in out


def test_port_options(capsys: pytest.CaptureFixture[str]) -> None:
    rc, records = run_json(
        ["rtp_ports", "--root", str(FIXTURES / "vos3000"), "--rtp-range", "10000:10003"], capsys
    )
    assert rc == 0 and records[0]["facts"]["in_use"] == 4 and records[0]["facts"]["range_size"] == 4


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PROBES)


def test_every_documented_gatherer_is_registered() -> None:
    reg = Registry()
    register(reg)
    documented = sorted(
        line.split("`")[1]
        for line in FACTS_MD.read_text().splitlines()
        if line.startswith("| `probe.")
    )
    assert reg.names() == documented
    assert all(reg.doc(n) for n in reg.names())


def test_gatherer_uses_context_host_config_and_params() -> None:
    reg = Registry()
    register(reg)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    ctx = GatherContext(
        host=fixture_host("vos3000"),
        config=Config(raw={"probes": {"sip_options_interval": 0.1, "sip_options_attempts": 2}}),
        params={"target": f"127.0.0.1:{silent.getsockname()[1]}"},
    )
    ev = reg.run("probe.conntrack", ctx)
    assert ev.name == "probe.conntrack" and ev.facts["udp_stream_timeout"] == 180
    try:
        ev = reg.run("probe.sip_options", ctx)
    finally:
        silent.close()
    assert ev.facts == {"answered": False, "timeouts": 2}
    ev = reg.run("probe.vos_config", ctx)
    assert ev.namespaced_facts()["probe.vos_config.media_proxy"] == "auto"


def test_snapshot_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["conntrack", "sip_alg", "services", "resources", "rtp_ports", "vos_config", "vos_logs"]
    snap = tmp_path / "snap"
    rc, live = run_json(
        [*names, "--root", str(FIXTURES / "vos3000"), "--save-snapshot", str(snap)], capsys
    )
    assert rc == 0 and (snap / "commands.yaml").is_file()
    assert (snap / "root/home/kunshi/mbx3000/etc/softswitch.conf").is_file()
    rc, replay = run_json([*names, "--root", str(snap)], capsys)
    assert [r["facts"] for r in replay] == [r["facts"] for r in live]
    assert main(["probe", "conntrack", "--save-snapshot", str(snap)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_snapshot_records_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "snap"
    rc, live = run_json(
        ["firewall", "--root", str(FIXTURES / "recorded_iptables"), "--save-snapshot", str(snap)],
        capsys,
    )
    assert rc == 0 and live[0]["status"] == "fail"
    _rc, replay = run_json(["firewall", "--root", str(snap)], capsys)
    assert replay[0]["facts"] == live[0]["facts"] and replay[0]["data"]["dropped_packets"] == 150


def documented_facts() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in FACTS_MD.read_text().splitlines():
        m = re.match(r"\| `(probe\.\w+)` \|(.*)\|\s*$", line)
        if m:
            out[m.group(1)] = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", m.group(2))))
    return out


@pytest.mark.parametrize(
    "root",
    ["vos3000", "centos6", "kernel4", "recorded_iptables", "recorded_nft", "recorded_systemd"],
)
def test_facts_use_only_documented_names(root: str) -> None:
    docs = documented_facts()
    for name in PROBES:
        if PROBES[name].live or name == "database":
            continue
        ev = run_probe(name, host=fixture_host(root), config=ProbeConfig(udp_sample_s=0))
        assert set(ev.facts) <= docs[ev.name], (ev.name, set(ev.facts) - docs[ev.name])


def test_port_options_reach_every_probe(capsys: pytest.CaptureFixture[str]) -> None:
    rc, records = run_json(
        [
            "firewall",
            "--root",
            str(FIXTURES / "recorded_nft"),
            "--sip-ports",
            "5090",
            "--rtp-range",
            "10000-10100",
        ],
        capsys,
    )
    assert records[0]["data"]["sip_ports"] == {"5090": "closed"}
    assert records[0]["data"]["rtp_range"] == [10000, 10100] and rc == 0
