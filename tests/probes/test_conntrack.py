"""conntrack against this machine's own /proc, and fixture roots for CentOS 6 and kernel 4.x."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from dropwizard.probes.conntrack import FIX_LINES, PERSIST_LINES, parse_sysctl

from .conftest import fixture_host, probe

NF = Path("/proc/sys/net/netfilter")


def test_matches_this_machines_proc() -> None:
    ev = probe("conntrack")
    assert ev.name == "probe.conntrack" and ev.kind == "probe"
    release = platform.release()
    major, minor = (int(x) for x in release.split(".")[:2])
    assert ev.facts["kernel_default_stream"] == (120 if (major, minor) >= (5, 0) else 180)
    if not (NF / "nf_conntrack_udp_timeout").exists():
        assert ev.facts["loaded"] is False and "udp_timeout" not in ev.facts
        return
    udp = int((NF / "nf_conntrack_udp_timeout").read_text())
    stream = int((NF / "nf_conntrack_udp_timeout_stream").read_text())
    assert ev.facts["loaded"] is True
    assert ev.facts["udp_timeout"] == udp
    assert ev.facts["udp_stream_timeout"] == stream
    assert ev.facts["meets_guide"] == (stream >= 3600 and udp >= 300)
    assert ev.facts["max_entries"] == int((NF / "nf_conntrack_max").read_text())
    assert ev.facts["entries"] >= 0
    assert ev.status.value == ("fail" if not ev.facts["meets_guide"] else ev.status.value)
    if not ev.facts["meets_guide"]:
        for line in FIX_LINES + PERSIST_LINES:
            assert line in ev.advice
    assert ev.duration_ms > 0


def test_guide_fix_lines_are_verbatim() -> None:
    assert FIX_LINES == [
        "echo 3600 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream",
        "echo 300 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout",
    ]
    assert PERSIST_LINES == [
        'echo "net.netfilter.nf_conntrack_udp_timeout_stream = 3600" >> /etc/sysctl.conf',
        'echo "net.netfilter.nf_conntrack_udp_timeout = 300" >> /etc/sysctl.conf',
        "sysctl -p",
    ]


def test_centos6_sysctl_conf_only_and_guide_values() -> None:
    ev = probe("conntrack", fixture_host("centos6"))
    assert ev.status.value == "ok"
    assert ev.facts == {
        "loaded": True,
        "kernel_default_stream": 180,
        "udp_timeout": 300,
        "udp_stream_timeout": 3600,
        "entries": 210,
        "max_entries": 65536,
        "persisted": True,
        "meets_guide": True,
    }
    assert ev.data["sysctl_files"] == ["/etc/sysctl.conf"]


def test_kernel4_defaults_persisted_but_not_applied_and_table_full() -> None:
    ev = probe("conntrack", fixture_host("kernel4"))
    assert ev.status.value == "fail"
    assert ev.facts["kernel_default_stream"] == 180
    assert ev.facts["udp_stream_timeout"] == 180 and ev.facts["udp_timeout"] == 30
    assert ev.facts["meets_guide"] is False
    assert ev.facts["persisted"] is True
    assert ev.data["persisted"]["net.netfilter.nf_conntrack_udp_timeout_stream"] == {
        "value": "3600",
        "file": "/etc/sysctl.d/90-voip.conf",
    }
    assert "run sysctl -p" in ev.summary
    assert "95% full" in ev.summary


def test_vos_tree_centos7_not_persisted() -> None:
    ev = probe("conntrack", fixture_host("vos3000"))
    assert ev.facts["persisted"] is False and ev.facts["meets_guide"] is False
    assert ev.facts["kernel_default_stream"] == 180


def test_not_loaded(tmp_path: Path) -> None:
    (tmp_path / "proc/sys/kernel").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/osrelease").write_text("5.15.0-91-generic\n")
    ev = probe("conntrack", fixture_host_at(tmp_path))
    assert ev.status.value == "ok"
    assert ev.facts == {"loaded": False, "kernel_default_stream": 120}


def fixture_host_at(path: Path):
    from dropwizard.probes.host import LocalHost

    return LocalHost(path)


def test_sysctl_parser() -> None:
    text = "# c\n; c\nnet/netfilter/a = 1\n -net.x=2 \nbad line\nkernel.y =  three words \n"
    assert parse_sysctl(text) == {"net.netfilter.a": "1", "net.x": "2", "kernel.y": "three words"}


def test_sysctl_proc_matches_sysctl_binary_when_present() -> None:
    from shutil import which

    if not which("sysctl") or not (NF / "nf_conntrack_udp_timeout").exists():
        return
    import subprocess

    out = subprocess.run(
        ["sysctl", "-n", "net.netfilter.nf_conntrack_udp_timeout"], capture_output=True, text=True
    )
    if out.returncode == 0:
        assert probe("conntrack").facts["udp_timeout"] == int(out.stdout)
    assert os.path.exists(NF)
