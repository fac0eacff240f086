"""sip_alg, firewall, services, resources, rtp_ports against this machine and fixture roots."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.firewall import parse_iptables, parse_nft, port_state
from dropwizard.probes.host import LocalHost

from .conftest import fixture_host, probe


# --- sip_alg -----------------------------------------------------------------------------
def test_sip_alg_auto_assigned_on_centos6() -> None:
    ev = probe("sip_alg", fixture_host("centos6"))
    assert ev.status.value == "fail" and ev.facts == {"loaded": True}
    assert ev.data["modules"] == {"nf_nat_sip": "loaded", "nf_conntrack_sip": "loaded"}
    assert "modprobe -r nf_nat_sip nf_conntrack_sip" in ev.advice


def test_sip_alg_attached_by_ct_rule() -> None:
    ev = probe("sip_alg", fixture_host("recorded_iptables"))
    assert ev.facts == {"loaded": True}
    assert ev.data["helper_rules"] == [
        "-A PREROUTING -p udp -m udp --dport 5060 -j CT --helper sip"
    ]
    assert "attached by rules" in ev.summary


def test_sip_alg_absent_and_on_this_machine() -> None:
    assert probe("sip_alg", fixture_host("kernel4")).facts == {"loaded": False}
    ev = probe("sip_alg")
    mods = {m for m in ("nf_conntrack_sip", "nf_nat_sip") if Path(f"/sys/module/{m}").exists()}
    proc_modules = Path("/proc/modules")
    if proc_modules.exists():
        mods |= {
            ln.split()[0]
            for ln in proc_modules.read_text().splitlines()
            if ln.split()[0] in ("nf_conntrack_sip", "nf_nat_sip")
        }
    assert set(ev.data["modules"]) == mods
    if not mods:
        assert ev.facts == {"loaded": False}


# --- firewall ----------------------------------------------------------------------------
def test_firewall_iptables_snapshot() -> None:
    ev = probe("firewall", fixture_host("recorded_iptables"))
    assert ev.status.value == "fail"
    assert ev.facts == {
        "sip_open": True,
        "rtp_open": False,
        "rate_limited": True,
        "drops_on_voip": True,
    }
    assert ev.data["sip_ports"] == {"5060": "partial", "6060": "open"}
    assert ev.data["rtp_closed_ports"][0] == 20001
    assert ev.data["dropped_packets"] == 150
    assert "iptables -I INPUT -p udp --dport 10000:60000 -j ACCEPT" in ev.advice


def test_firewall_nft_snapshot() -> None:
    ev = probe("firewall", fixture_host("recorded_nft"))
    assert ev.status.value == "warn"
    assert ev.facts == {
        "sip_open": True,
        "rtp_open": True,
        "rate_limited": True,
        "drops_on_voip": True,
    }
    assert ev.data["dropped_packets"] == 42


def test_firewall_needs_root_and_a_binary() -> None:
    ev = probe("firewall", fixture_host("recorded_nonroot"))
    assert ev.status.value == "skipped"
    assert ev.summary.startswith("needs root: run with sudo")
    ev = probe("firewall", fixture_host("recorded_nft"), config=ProbeConfig(sip_ports=[5090]))
    assert ev.data["sip_ports"] == {"5090": "closed"} and ev.facts["sip_open"] is False
    ev = probe("firewall", LocalHost(Path(__file__).parent / "fixtures" / "centos6"))
    assert ev.status.value == "skipped" and "iptables-save not run" in ev.summary


def test_iptables_evaluation_order() -> None:
    text = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -p udp -m udp --dport 5060 -j ACCEPT
-A INPUT -p udp -m udp ! --dport 5060 -j DROP
COMMIT
"""
    chains = parse_iptables(text)["filter"]
    assert port_state(chains, "INPUT", 5060) == "open"
    assert port_state(chains, "INPUT", 10000) == "closed"


def test_nft_policy_and_sets() -> None:
    text = """table ip filter {
\tchain input {
\t\ttype filter hook input priority 0; policy drop;
\t\tudp dport { 5060, 10000-10010 } accept
\t}
}
"""
    chains, inputs = parse_nft(text)
    assert inputs == ["ip filter input"]
    assert port_state(chains, inputs[0], 10005) == "open"
    assert port_state(chains, inputs[0], 10011) == "closed"


def test_nft_families_see_their_own_tables_and_rules() -> None:
    text = """table ip6 filter {
\tchain input {
\t\ttype filter hook input priority 0; policy drop;
\t}
}
table inet guard {
\tchain input {
\t\ttype filter hook input priority 10; policy accept;
\t\tmeta nfproto ipv6 udp dport 5060 drop
\t\tip saddr 10.0.0.0/8 udp dport 10000-10010 accept
\t\tudp dport 10000-10010 drop
\t}
}
table bridge br {
\tchain input {
\t\ttype filter hook input priority 0; policy drop;
\t}
}
"""
    chains4, inputs4 = parse_nft(text)
    assert inputs4 == ["inet guard input"]
    assert port_state(chains4, inputs4[0], 5060) == "open"
    assert port_state(chains4, inputs4[0], 10005) == "partial"
    chains6, inputs6 = parse_nft(text, family="ipv6")
    assert inputs6 == ["ip6 filter input", "inet guard input"]
    assert port_state(chains6, "inet guard input", 5060) == "closed"
    assert port_state(chains6, "inet guard input", 10005) == "closed"
    assert port_state(chains6, "ip6 filter input", 30000) == "closed"


def test_firewall_judges_ipv4_and_reports_ipv6_apart() -> None:
    ev = probe("firewall", fixture_host("recorded_dualstack"))
    assert ev.facts == {
        "sip_open": True,
        "rtp_open": True,
        "rate_limited": False,
        "drops_on_voip": True,
    }
    assert ev.status.value == "warn"
    assert ev.data["rulesets"] == ["iptables filter", "nft"]
    assert ev.data["drop_rules"] == [
        "ip saddr 203.0.113.0/24 udp dport 5060 counter packets 3 bytes 240 drop"
    ]
    assert ev.data["dropped_packets"] == 3
    assert ev.data["ipv6"] == {
        "rulesets": ["ip6tables filter", "nft ipv6"],
        "sip_ports": {"5060": "closed", "6060": "closed"},
        "rtp_closed_ports": [10000, 60000],
    }
    assert "IPv6 blocks SIP 5060, 6060 and RTP 10000-60000 (information only" in ev.summary
    assert ev.data["sip_ports"] == {"5060": "open", "6060": "open"}
    assert not any("ip6tables" in a for a in ev.advice)
    ev = probe("firewall", fixture_host("recorded_iptables"))
    assert "ipv6" not in ev.data and "IPv6" not in ev.summary


def test_firewall_on_this_machine_agrees_with_iptables_save() -> None:
    ev = probe("firewall")
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    ipt, nft_bin = shutil.which("iptables-save", path=search), shutil.which("nft", path=search)
    if not ipt and not nft_bin:
        assert ev.status.value == "skipped"
        assert (
            ev.summary
            == "iptables-save not installed: apt-get install iptables / yum install iptables"
        )
        return
    if os.geteuid() != 0:
        assert ev.status.value == "skipped"
        return
    assert ev.status.value in ("ok", "warn", "fail")
    out = ""
    if ipt:
        out = subprocess.run([ipt], capture_output=True, text=True, check=False).stdout
    nft = ""
    if nft_bin:
        nft = subprocess.run([nft_bin, "list", "ruleset"], capture_output=True, text=True).stdout
    policy = re.search(r"^:INPUT (\w+)", out, re.M)
    open_host = (
        not [ln for ln in out.splitlines() if ln.startswith("-A INPUT")]
        and (policy is None or policy.group(1) == "ACCEPT")
        and "hook input" not in nft
    )
    if open_host:
        assert ev.facts == {
            "sip_open": True,
            "rtp_open": True,
            "rate_limited": False,
            "drops_on_voip": False,
        }
    else:
        assert set(ev.facts) == {"sip_open", "rtp_open", "rate_limited", "drops_on_voip"}


# --- services ----------------------------------------------------------------------------
def test_services_sysv_tree() -> None:
    ev = probe("services", fixture_host("vos3000"))
    assert ev.status.value == "fail"
    assert ev.facts == {"down": ["empd"], "all_running": False}
    by_name = {s["name"]: s for s in ev.data["services"]}
    assert by_name["mbx3000d"]["running"] and by_name["mbx3000d"]["pids"] == [2301]
    assert by_name["vos3000d"]["pids"] == [2377]
    started = datetime.fromtimestamp(1795850000 + 360000 / 100, timezone.utc)  # btime + ticks/HZ
    assert by_name["mbx3000d"]["since"] == started.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_name["mysql"]["running"] and by_name["mysql"]["manager"] == "sysv"
    assert "service empd start   (or: systemctl start empd); then check its log" in ev.advice


def test_services_systemd_snapshot() -> None:
    ev = probe("services", fixture_host("recorded_systemd"))
    assert ev.status.value == "fail"
    assert ev.facts == {"down": ["empd"], "all_running": False, "restarts": 4}
    by_name = {s["name"]: s for s in ev.data["services"]}
    assert by_name["mysql"]["unit"] == "mysqld.service" and by_name["mysql"]["running"]
    assert by_name["mbx3000d"]["since"] == "Sat 2026-11-28 09:12:40 UTC"
    assert by_name["empd"]["state"] == "failed/failed"
    assert "4 automatic restart(s)" in ev.summary


def test_services_finds_this_machines_mysql() -> None:
    pids = sorted(
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _comm(p) in ("mysqld", "mariadbd")
    )
    ev = probe("services")
    mysql = next(s for s in ev.data["services"] if s["name"] == "mysql")
    assert mysql["running"] == bool(pids)
    if pids and mysql["manager"] != "systemd":
        assert set(mysql["pids"]) <= set(pids) and mysql["pids"]
    if not any(Path(f"/etc/init.d/{d}").exists() for d in ("mbx3000d", "vos3000d", "empd")):
        assert ev.status.value in ("warn", "fail")
        assert ev.facts.get("all_running", False) is False


def _comm(p: Path) -> str:
    try:
        return (p / "comm").read_text().strip()
    except OSError:
        return ""


# --- resources ---------------------------------------------------------------------------
def test_resources_match_this_machine() -> None:
    before = _udp("RcvbufErrors")
    ev = probe("resources")
    cpus = len(re.findall(r"^processor\s*:", Path("/proc/cpuinfo").read_text(), re.M))
    load5 = float(Path("/proc/loadavg").read_text().split()[1])
    assert ev.data["cores"] == cpus
    assert abs(ev.facts["load_per_core"] - load5 / cpus) < 0.5
    mem = dict(
        (ln.split(":")[0], int(ln.split()[1]))
        for ln in Path("/proc/meminfo").read_text().splitlines()
    )
    assert abs(ev.facts["mem_available_share"] - mem["MemAvailable"] / mem["MemTotal"]) < 0.05
    st = os.statvfs("/")
    assert ev.data["disk"]["/"]["total"] == st.f_blocks * st.f_frsize
    assert ev.facts["udp_rcvbuf_errors"] >= before
    assert ev.facts["exhausted"] == bool(ev.status.value != "ok")
    assert set(ev.data["nics"]) == {
        ln.split(":")[0].strip() for ln in Path("/proc/net/dev").read_text().splitlines()[2:]
    }


def _udp(key: str) -> int:
    lines = [
        ln.split()
        for ln in Path("/proc/net/snmp").read_text().splitlines()
        if ln.startswith("Udp:")
    ]
    return int(lines[1][lines[0].index(key)])


def test_resources_fixture_low_memory_and_nic_errors() -> None:
    ev = probe("resources", fixture_host("vos3000"), config=ProbeConfig(udp_sample_s=0))
    assert ev.facts["load_per_core"] == 0.25
    assert ev.facts["mem_available_share"] == 0.05
    assert ev.facts["udp_rcvbuf_errors"] == 4400
    assert ev.facts["exhausted"] is True and ev.status.value == "fail"
    assert ev.data["nic_errors"] == ["eth0"]


def test_resources_recorded_disk_nearly_full(tmp_path: Path) -> None:
    ev = probe("resources", fixture_host("recorded_iptables"), config=ProbeConfig(udp_sample_s=0))
    assert ev.facts == {"disk_free_share": 0.03, "exhausted": True}
    assert ev.status.value == "fail" and ev.summary.startswith("disk 3% free")
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text(
        "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 50 kB\n"
    )
    ev = probe("resources", LocalHost(tmp_path), config=ProbeConfig(udp_sample_s=0))
    assert ev.facts["mem_available_share"] == 0.2


# --- rtp_ports ---------------------------------------------------------------------------
def test_rtp_ports_counts_sockets_this_test_binds() -> None:
    socks = []
    try:
        for _ in range(4):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        ports = sorted(s.getsockname()[1] for s in socks)
        lo, hi = ports[0], ports[-1]
        ev = probe("rtp_ports", config=ProbeConfig(rtp_range=(lo, hi)))
        assert ev.facts["in_use"] >= 4
        assert ev.facts["range_size"] == hi - lo + 1
        narrow = probe("rtp_ports", rtp_range=f"{ports[0]}-{ports[0]}")
        assert narrow.facts == {"in_use": 1, "range_size": 1, "usage_share": 1.0, "exhausted": True}
        assert narrow.status.value == "fail"
    finally:
        for s in socks:
            s.close()


def test_rtp_ports_fixture() -> None:
    ev = probe("rtp_ports", fixture_host("vos3000"), config=ProbeConfig(rtp_range=(10000, 10007)))
    assert ev.facts == {"in_use": 6, "range_size": 8, "usage_share": 0.75, "exhausted": False}
    assert ev.status.value == "warn"
