"""The host abstraction: bounded commands, capped output, rooted files, recorded snapshots."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dropwizard.errors import InputError
from dropwizard.probes.host import LocalHost, RecordedHost, install_hint, open_host, run_local

from .conftest import FIXTURES


def test_hanging_command_is_killed_at_its_bound() -> None:
    t0 = time.monotonic()
    res = LocalHost().run(["sleep", "30"], timeout=0.5)
    elapsed = time.monotonic() - t0
    assert res.timed_out and res.rc is None
    assert 0.45 <= elapsed < 2.0
    assert "killed" in res.describe()


def test_whole_process_group_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    res = run_local(["sh", "-c", f"(sleep 1.5; touch {marker}) & sleep 30"], timeout=0.4)
    assert res.timed_out
    time.sleep(1.8)
    assert not marker.exists(), "the grandchild outlived the timeout"


def test_output_is_capped_while_reading() -> None:
    t0 = time.monotonic()
    res = LocalHost().run(["yes"], timeout=1.0, max_output=4096)
    assert res.truncated and res.timed_out
    assert len(res.stdout) == 4096
    assert time.monotonic() - t0 < 3.0


def test_complete_output_and_exit_code() -> None:
    res = LocalHost().run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=5)
    assert (res.rc, res.stdout, res.stderr, res.truncated, res.timed_out) == (
        3,
        "out\n",
        "err\n",
        False,
        False,
    )


def test_interrupt_lets_the_command_finish_cleanly() -> None:
    res = LocalHost().run(
        ["sh", "-c", "trap 'echo stopped; exit 0' INT; while :; do sleep 0.05; done"],
        timeout=5,
        interrupt_after=0.3,
    )
    assert res.interrupted and not res.timed_out
    assert res.stdout == "stopped\n" and res.rc == 0
    assert res.duration < 3


def test_missing_binary_is_reported_not_raised() -> None:
    res = LocalHost().run(["dropwizard-no-such-binary"], timeout=1)
    assert res.missing_binary and res.rc == 127 and not res.ok
    assert (
        install_hint("tcpdump")
        == "tcpdump not installed: apt-get install tcpdump / yum install tcpdump"
    )


def test_argv_is_never_a_shell_string(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    res = LocalHost().run(["echo", f"x; touch {target}"], timeout=2)
    assert res.stdout.strip() == f"x; touch {target}"
    assert not target.exists()


def test_files_are_read_below_the_root() -> None:
    host = LocalHost(FIXTURES / "vos3000")
    assert host.read_file("/proc/sys/kernel/osrelease").strip() == "3.10.0-957.el7.x86_64"
    assert host.read_file("/../../../proc/sys/kernel/osrelease").strip() == "3.10.0-957.el7.x86_64"
    assert "2301" in host.list_dir("/proc/2301/..")
    assert host.exists("/home/kunshi/mbx3000/etc/softswitch.conf")
    assert not host.exists("/etc/passwd")
    assert host.stat("/home/kunshi/mbx3000/log").is_dir
    assert host.try_read("/nope") is None
    with pytest.raises(FileNotFoundError):
        host.read_file("/nope")


def test_read_tail_and_cap(tmp_path: Path) -> None:
    (tmp_path / "log").write_bytes(b"a" * 1000 + b"END")
    host = LocalHost(tmp_path)
    assert host.read_file("/log", 3, tail=True) == "END"
    assert host.read_file("/log", 5) == "aaaaa"


def test_a_directory_root_runs_no_commands() -> None:
    host = LocalHost(FIXTURES / "vos3000")
    assert host.which("sh") is None
    res = host.run(["sh", "-c", "echo hi"])
    assert res.missing_binary
    assert "standing in for /" in host.why_missing("iptables-save")


def test_recorded_host_serves_files_and_commands() -> None:
    host = RecordedHost(FIXTURES / "recorded_iptables")
    assert host.name == "vos-pop1"
    assert host.euid() == 0
    res = host.run(["iptables-save", "-c"])
    assert res.ok and "*filter" in res.stdout
    assert host.run(["iptables-save", "-t", "nat"]).missing_binary
    assert host.which("iptables-save") and not host.which("tcpdump")
    assert host.read_file("/proc/sys/kernel/osrelease").startswith("5.10")
    du = host.disk_usage("/var/lib/mysql")
    assert du is not None and du.free == 3_000_000_000
    nonroot = RecordedHost(FIXTURES / "recorded_nonroot")
    assert nonroot.euid() == 1000 and not nonroot.is_root()


def test_open_host_picks_the_kind(tmp_path: Path) -> None:
    assert isinstance(open_host("/"), LocalHost)
    assert isinstance(open_host(FIXTURES / "recorded_nft"), RecordedHost)
    assert isinstance(open_host(FIXTURES / "centos6"), LocalHost)
    with pytest.raises(InputError, match="not a directory"):
        open_host(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "commands.yaml").write_text("commands: [\n")
    with pytest.raises(InputError, match=r"commands.yaml:\d+"):
        open_host(bad)


def test_euid_is_the_process_euid() -> None:
    assert LocalHost().euid() == os.geteuid()


def test_cancel_interrupts_a_running_command() -> None:
    import threading

    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    res = LocalHost().run(["sleep", "30"], timeout=10, cancel=cancel)
    assert res.interrupted and not res.timed_out
    assert res.duration < 2
