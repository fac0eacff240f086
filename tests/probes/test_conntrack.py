"""conntrack against this machine's own /proc, and fixture roots for CentOS 6 and kernel 4.x."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from dropwizard.probes.conntrack import (
    FIX_LINES,
    PERSIST_LINES,
    load_command,
    parse_sysctl,
    persist_lines,
    persisted_settings,
)
from dropwizard.probes.host import LocalHost

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
        settings, _ = persisted_settings(LocalHost("/"))
        lines, files = persist_lines(settings)
        for line in FIX_LINES + lines:
            assert line in ev.advice
        if files:
            assert load_command(files) in ev.advice
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
    assert "run sysctl --system" in ev.summary
    assert "sysctl --system" in ev.advice and "sysctl -p" not in ev.advice
    assert not any(">> /etc/sysctl.conf" in a for a in ev.advice)
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


def _root(tmp_path: Path, udp: int, stream: int, files: dict[str, str]) -> LocalHost:
    """A host whose running conntrack timeouts are udp/stream, with these sysctl files."""
    nf = tmp_path / "proc/sys/net/netfilter"
    nf.mkdir(parents=True)
    (nf / "nf_conntrack_udp_timeout").write_text(f"{udp}\n")
    (nf / "nf_conntrack_udp_timeout_stream").write_text(f"{stream}\n")
    (tmp_path / "proc/sys/kernel").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/osrelease").write_text("5.15.0-91-generic\n")
    for path, text in files.items():
        f = tmp_path / path.lstrip("/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return LocalHost(tmp_path)


GUIDE = (
    "net.netfilter.nf_conntrack_udp_timeout_stream = 3600\n"
    "net.netfilter.nf_conntrack_udp_timeout = 300\n"
)


def test_load_command_depends_on_where_the_values_live() -> None:
    assert load_command(["/etc/sysctl.conf"]) == "sysctl -p"
    assert load_command(["/etc/sysctl.conf", "/etc/sysctl.d/90-voip.conf"]) == "sysctl --system"
    assert load_command(["/usr/lib/sysctl.d/50-default.conf"]) == "sysctl --system"


def test_persisted_in_sysctl_conf_but_not_applied_asks_for_sysctl_p(tmp_path: Path) -> None:
    ev = probe("conntrack", _root(tmp_path, 30, 120, {"/etc/sysctl.conf": GUIDE}))
    assert ev.facts["persisted"] is True and ev.facts["meets_guide"] is False
    assert "run sysctl -p)" in ev.summary
    assert ev.advice[:2] == FIX_LINES
    assert "sysctl -p" in ev.advice and "sysctl --system" not in ev.advice


def test_persisted_in_sysctl_d_but_not_applied_asks_for_sysctl_system(tmp_path: Path) -> None:
    root = _root(tmp_path, 300, 3600, {"/etc/sysctl.d/90-voip.conf": GUIDE.replace("300", "600")})
    ev = probe("conntrack", root)
    assert ev.status.value == "warn"
    assert ev.summary.endswith("(persisted values differ from running ones: run sysctl --system)")
    assert ev.advice == ["sysctl --system"]


def test_nothing_persisted_gives_the_guide_lines(tmp_path: Path) -> None:
    ev = probe("conntrack", _root(tmp_path, 300, 3600, {"/etc/sysctl.conf": "# empty\n"}))
    assert ev.status.value == "warn" and "not persisted" in ev.summary
    assert ev.advice == PERSIST_LINES


def test_low_value_in_sysctl_d_is_changed_there_then_sysctl_system(tmp_path: Path) -> None:
    files = {
        "/etc/sysctl.d/60-nat.conf": "net.netfilter.nf_conntrack_udp_timeout_stream = 180\n",
        "/etc/sysctl.conf": "net.netfilter.nf_conntrack_udp_timeout = 300\n",
    }
    ev = probe("conntrack", _root(tmp_path, 300, 180, files))
    assert ev.status.value == "fail"
    assert ev.advice[:4] == [
        *FIX_LINES,
        "Set net.netfilter.nf_conntrack_udp_timeout_stream = 3600 in /etc/sysctl.d/60-nat.conf "
        "(it holds 180 now)",
        "sysctl --system",
    ]
    assert not any(">> /etc/sysctl.conf" in a for a in ev.advice)


def test_low_value_in_a_vendor_file_is_overridden_under_etc(tmp_path: Path) -> None:
    files = {"/usr/lib/sysctl.d/50-default.conf": "net.netfilter.nf_conntrack_udp_timeout = 30\n"}
    settings, _ = persisted_settings(_root(tmp_path, 30, 3600, files))
    lines, edited = persist_lines(settings)
    assert lines == [
        'echo "net.netfilter.nf_conntrack_udp_timeout_stream = 3600" >> /etc/sysctl.conf',
        "Copy /usr/lib/sysctl.d/50-default.conf to /etc/sysctl.d/50-default.conf (the copy hides "
        "it) and set net.netfilter.nf_conntrack_udp_timeout = 300 there (it holds 30 now)",
    ]
    assert load_command(edited) == "sysctl --system"


def test_low_value_in_sysctl_conf_is_changed_there_then_sysctl_p(tmp_path: Path) -> None:
    files = {"/etc/sysctl.conf": GUIDE.replace("= 300", "= 60")}
    ev = probe("conntrack", _root(tmp_path, 60, 3600, files))
    assert ev.advice[2:4] == [
        "Set net.netfilter.nf_conntrack_udp_timeout = 300 in /etc/sysctl.conf (it holds 60 now)",
        "sysctl -p",
    ]
