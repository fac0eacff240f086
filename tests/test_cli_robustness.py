"""Bad input on the command line: one line naming the file or option and a fix, exit 2, no
traceback; exit codes tell the truth (a crashed screen is not a success, a closed pipe is)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dropwizard.cli import main
from dropwizard.config import Config
from dropwizard.errors import InputError

HEALTHY_ANSWERS = "start: window\nstep1: cause16\n"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DROPWIZARD_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DROPWIZARD_FLOWS_PATH", raising=False)


def dw(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    assert err.startswith("dropwizard: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


class FakeApp:
    """Stands in for the Textual app: ends as told."""

    def __init__(self, return_code: int | None, result: Any = None) -> None:
        self.return_code: int | None = None
        self._code, self._result = return_code, result

    def run(self) -> Any:
        self.return_code = self._code
        return self._result


def fake_factory(
    monkeypatch: pytest.MonkeyPatch, return_code: int | None, result: Any = None
) -> list[dict[str, Any]]:
    """Replace the app factory; returns the list of the keyword arguments of each app made."""
    import dropwizard.tui.factory as factory

    made: list[dict[str, Any]] = []

    def make_app(**kwargs: Any) -> FakeApp:
        made.append(kwargs)
        return FakeApp(return_code, result)

    monkeypatch.setattr(factory, "make_app", make_app)
    return made


# 1. the wizard: an unknown theme, a crash inside the app


def test_unknown_theme_is_one_line_before_the_screen(monkeypatch, capsys) -> None:
    made = fake_factory(monkeypatch, 0)
    rc, _out, err = dw(capsys, "--demo", "--theme", "nosuch")
    assert rc == 2 and not made
    assert "--theme 'nosuch': no such theme" in one_line(err)
    assert "ansi-dark" in err and "textual-dark" in err


def test_known_theme_reaches_the_app(monkeypatch, capsys) -> None:
    made = fake_factory(monkeypatch, 0)
    rc, _out, _err = dw(capsys, "--demo", "--theme", "ansi-dark")
    assert rc == 0
    assert made[0]["theme"] == "ansi-dark" and made[0]["source"] == "demo"
    assert made[0]["flow"] == "call-drop"


def test_app_crash_is_a_failing_exit(monkeypatch, capsys) -> None:
    fake_factory(monkeypatch, 1)
    assert dw(capsys, "--demo")[0] == 1


def test_app_result_is_kept_when_it_ends_cleanly(monkeypatch, capsys) -> None:
    fake_factory(monkeypatch, 0, 129)  # the app's own exit after a hang-up
    assert dw(capsys, "--demo")[0] == 129


@pytest.mark.parametrize(("code", "want"), [(1, 1), (0, 0)])
def test_training_screen_exit_code_is_the_apps(monkeypatch, code: int, want: int) -> None:
    import dropwizard.tui.training as training

    monkeypatch.setattr(training, "make_training_app", lambda *a, **k: FakeApp(code))
    monkeypatch.setattr(training, "transcript_path", lambda _id: None)
    assert training.run_training("ack-timeout-32s") == want


def test_real_textual_crash_gives_return_code_1() -> None:
    from textual.app import App

    from dropwizard.tui.factory import exit_code

    class Crashing(App[None]):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

    app = Crashing()
    result = app.run(headless=True)
    assert exit_code(app, result) == 1


# 2. the config file: [flows] path of the wrong type


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("[flows]\npath = 7\n", "[flows] path = 7"),
        ('[flows]\npath = ["ok", 3]\n', "[flows] path = ['ok', 3]"),
        ("flows = 3\n", "flows must be a table"),
    ],
)
@pytest.mark.parametrize("command", [["flows", "list"], ["run", "--source", "demo"]])
def test_bad_flows_path_names_the_file_and_key(
    tmp_path, monkeypatch, capsys, body: str, where: str, command: list[str]
) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text(body)
    monkeypatch.setenv("DROPWIZARD_CONFIG", str(conf))
    rc, _out, err = dw(capsys, *command)
    assert rc == 2
    assert f"{conf}: {where}" in one_line(err)


def test_flows_path_accepts_a_string_or_a_list(tmp_path) -> None:
    one = Config(path=tmp_path / "c.toml", raw={"flows": {"path": "~/f"}})
    assert one.flows_path == [Path("~/f").expanduser()]
    two = Config(raw={"flows": {"path": ["/a", "/b"]}})
    assert two.flows_path == [Path("/a"), Path("/b")]
    assert Config(raw={}).flows_path == []
    with pytest.raises(InputError, match=r"^config file: \[flows\] path = 7"):
        _ = Config(raw={"flows": {"path": 7}}).flows_path


def test_bad_keys_section_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text("keys = 5\n")
    monkeypatch.setenv("DROPWIZARD_CONFIG", str(conf))
    with pytest.raises(InputError, match="keys must be a table"):
        _ = Config(path=conf, raw={"keys": 5}).keys


# 3. train --report where nothing can be written


@pytest.mark.parametrize("where", ["missing-dir", "a-directory", "proc"])
def test_train_report_unwritable_is_one_line(tmp_path, capsys, where: str) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(HEALTHY_ANSWERS)
    if where == "proc":
        if not Path("/proc/self").is_dir():
            pytest.skip("no /proc")
        report = "/proc/r.md"
    elif where == "a-directory":
        report = str(tmp_path)
    else:
        report = str(tmp_path / "nodir" / "r.md")
    rc, out, err = dw(
        capsys, "train", "healthy-switch", "--answers", str(answers), "--report", report
    )
    assert rc == 2
    assert f"--report {report}: cannot write the trainer report" in one_line(err)
    assert out == ""  # refused before the walk, not after it


def test_train_report_still_written(tmp_path, capsys) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(HEALTHY_ANSWERS)
    report = tmp_path / "r.md"
    rc, _out, err = dw(
        capsys, "train", "healthy-switch", "--answers", str(answers), "--report", str(report)
    )
    assert rc == 0, err
    assert report.read_text().startswith("# Training report: ")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r.md")]


# 4. wizard options placed before the command


def session_started(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text().splitlines()[0])


def test_demo_before_analyze_means_source_demo(capsys) -> None:
    rc, out, err = dw(capsys, "--demo", "analyze", "--format", "json")
    assert rc == 0, err
    assert json.loads(out)["source"] == "demo"


@pytest.mark.parametrize("before", [["--demo"], ["--source", "demo"]])
def test_source_before_run_is_used(tmp_path, capsys, before: list[str]) -> None:
    transcript = tmp_path / "t.jsonl"
    rc, out, err = dw(capsys, *before, "run", "--transcript", str(transcript))
    assert rc == 0, err
    started = session_started(transcript)
    assert started["source_arg"] == "demo" and started["flow"] == "call-drop"
    assert "Flow call-drop" in out


def test_flow_before_run_is_used(capsys) -> None:
    rc, _out, err = dw(capsys, "--flow", "nosuch", "run", "--source", "demo")
    assert rc == 2
    assert "no flow named 'nosuch'" in one_line(err)


def test_option_after_the_command_wins(tmp_path, capsys) -> None:
    transcript = tmp_path / "t.jsonl"
    rc, _out, err = dw(
        capsys, "--flow", "nosuch", "run", "--flow", "call-drop", "--source", "demo",
        "--transcript", str(transcript),
    )  # fmt: skip
    assert rc == 0, err
    assert session_started(transcript)["flow"] == "call-drop"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--theme", "ansi-dark", "flows", "list"], "--theme is not an option of 'flows'"),
        (["--demo", "capture", "x.pcap"], "--demo is not an option of 'capture'"),
        (["--source", "demo", "train"], "--source is not an option of 'train'"),
        (["--flow", "call-drop", "analyze", "--source", "demo"], "--flow is not an option of"),
        (["--demo", "--source", "x.csv", "analyze"], "--demo and --source x.csv name two"),
        (["--demo", "analyze", "--source", "x.csv"], "--demo and --source x.csv name two"),
        (["--demo", "--source", "x.csv"], "--demo and --source x.csv name two"),
    ],
)
def test_wizard_option_a_command_cannot_use_is_refused(
    monkeypatch, capsys, argv: list[str], message: str
) -> None:
    made = fake_factory(monkeypatch, 0)
    rc, out, err = dw(capsys, *argv)
    assert rc == 2 and out == "" and not made
    assert message in one_line(err)


def test_demo_alone_still_opens_the_wizard(monkeypatch, capsys) -> None:
    made = fake_factory(monkeypatch, 0)
    assert dw(capsys, "--demo")[0] == 0
    assert made[0]["source"] == "demo" and made[0]["source_locked"] is True
    assert dw(capsys)[0] == 0
    assert made[1]["source"] is None and made[1]["flow"] == "call-drop"


# 5 and 9. run checks its options as analyze does


def test_run_takes_a_relative_since(tmp_path, capsys) -> None:
    transcript = tmp_path / "t.jsonl"
    rc, _out, err = dw(
        capsys, "run", "--source", "demo", "--since", "-24h", "--transcript", str(transcript)
    )
    assert rc == 0, err
    scope = json.loads(transcript.read_text().splitlines()[1])["scope"]
    assert scope["since"] is not None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--since", "2026-11-28", "--until", "2026-11-27"], "--since 2026-11-28 is not before"),
        (["--gateway", ""], "--gateway is empty"),
        (["--gateway", "  "], "--gateway is empty"),
        (["--capture", "nonexist.pcap"], "--capture nonexist.pcap: no such file"),
        (["--since", "-5x"], "cannot read time '-5x': use ISO 8601"),
        (["--until", "-5x"], "cannot read time '-5x': use ISO 8601"),
        (["--since", "yesterday"], "cannot read time 'yesterday'"),
        (["--call", "123"], "--call '123': write NUMBER@TIME"),
    ],
)
def test_run_rejects_bad_scope_before_walking(
    tmp_path, monkeypatch, capsys, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    rc, out, err = dw(capsys, "run", "--source", "demo", *extra)
    assert rc == 2 and out == ""
    assert message in one_line(err)
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.jsonl"))


def test_analyze_and_run_give_the_same_time_message(capsys) -> None:
    _rc, _out, run_err = dw(capsys, "run", "--source", "demo", "--since", "5x")
    _rc, _out, analyze_err = dw(capsys, "analyze", "--source", "demo", "--since", "5x")
    assert one_line(run_err) == one_line(analyze_err)


def test_a_mistyped_relative_time_gets_the_time_message(capsys) -> None:
    for command in ("analyze", "run"):
        rc, _out, err = dw(capsys, command, "--source", "demo", "--since", "-5x")
        assert rc == 2 and "cannot read time '-5x'" in one_line(err), (command, err)


def test_run_without_source_on_a_cdr_flow_is_refused(capsys) -> None:
    rc, out, err = dw(capsys, "run")
    assert rc == 2 and out == ""
    assert "run needs --source: flow call-drop reads CDRs" in one_line(err)


def test_run_empty_source_is_refused(capsys) -> None:
    rc, _out, err = dw(capsys, "run", "--source", "")
    assert rc == 2 and "--source is empty" in one_line(err)


def test_run_capture_relative_to_cwd(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write_call_pcap(tmp_path / "call.pcap")
    transcript = tmp_path / "t.jsonl"
    rc, _out, err = dw(
        capsys, "run", "--source", "demo", "--capture", "call.pcap", "--transcript", str(transcript)
    )
    assert rc == 0, err
    assert session_started(transcript)["capture"] == "call.pcap"


# 7. probe --pcap relative to the working directory


def write_call_pcap(path: Path) -> None:
    from capture.pcapbuild import LINK_ETH, call_messages, ipv4, link, udp, write_pcap

    a, b = "192.0.2.10", "198.51.100.20"
    msgs = call_messages((a, 40000), (b, 50000))
    packets = [
        (1_700_000_000 + i, link(LINK_ETH, ipv4(a, b, 17, udp(5060, 5060, m))))
        for i, m in enumerate(msgs.values())
    ]
    write_pcap(str(path), LINK_ETH, packets)


def test_probe_pcap_relative_to_cwd(tmp_path, monkeypatch, capsys) -> None:
    sub = tmp_path / "work"
    sub.mkdir()
    write_call_pcap(sub / "call.pcap")
    monkeypatch.chdir(sub)
    rc, out, err = dw(capsys, "probe", "sip_capture", "--pcap", "call.pcap", "--format", "json")
    assert rc == 0, err
    (ev,) = json.loads(out)
    assert ev["status"] != "error", ev["summary"]
    assert ev["data"]["pcap"] == str(sub / "call.pcap")
    assert ev["data"]["calls"] == 1


def test_probe_pcap_missing_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    rc, out, err = dw(capsys, "probe", "sip_capture", "--pcap", "nope.pcap")
    assert rc == 2 and out == ""
    assert f"--pcap nope.pcap: no such file on localhost ({tmp_path / 'nope.pcap'})" in one_line(
        err
    )


def test_probe_pcap_on_a_snapshot_stays_inside_it(tmp_path, monkeypatch) -> None:
    from dropwizard.probes.host import LocalHost, RecordingHost
    from dropwizard.probes.tcpdump import given_path

    monkeypatch.chdir(tmp_path)
    snap = LocalHost(tmp_path / "root")
    assert given_path(snap, "x.pcap") == tmp_path / "root" / "x.pcap"
    local = RecordingHost(LocalHost("/"), tmp_path / "rec")
    assert given_path(local, "x.pcap") == tmp_path / "x.pcap"


# 8. a reader that closes the pipe early


def run_into_closed_pipe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        DROPWIZARD_CONFIG=str(tmp_path / "no-config.toml"),
        DROPWIZARD_DATA_DIR=str(tmp_path / "data"),
    )
    env.pop("DROPWIZARD_FLOWS_PATH", None)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line, as `| head -0` would be
    try:
        return subprocess.run(
            [sys.executable, "-m", "dropwizard", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "--source", "demo"],
        ["analyze", "--source", "demo", "--format", "json"],
        ["capture", "call.pcap"],
        ["capture", "call.pcap", "--format", "json"],
        ["flows", "list"],
        ["train", "--glossary"],
        ["--help"],
    ],
)
def test_closed_pipe_is_a_normal_end(tmp_path, argv: list[str]) -> None:
    write_call_pcap(tmp_path / "call.pcap")
    out = run_into_closed_pipe(tmp_path, *argv)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""


def test_reader_closing_after_one_line(tmp_path) -> None:
    env = dict(os.environ)
    env.update(
        DROPWIZARD_CONFIG=str(tmp_path / "no-config.toml"),
        DROPWIZARD_DATA_DIR=str(tmp_path / "data"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "dropwizard", "analyze", "--source", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert first.startswith(b"demo") and err == b""
