"""The scenario validator reports `file:line: message`, like the flow validator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dropwizard.errors import InputError
from dropwizard.training.scenario import check_file, load_scenario

from .conftest import edit


def test_good_scenario_is_clean_and_loads(scenario_dir: Path) -> None:
    assert check_file(scenario_dir) == []
    sc = load_scenario(scenario_dir / "scenario.yaml")
    assert sc.id == "good" and sc.difficulty == "easy"
    assert sc.dataset.generate_kwargs()["faults"][0] == {
        "type": "rtp_timeout",
        "gateway": "CUST-Kingcall-NAT",
        "params": {"timeout_s": 30, "proxied": True},
        "share": 0.2,
    }
    assert sc.dataset.faults[1].window == ("14:00", "15:10")
    assert sc.hints_for("start") == ["Think about the scope.", "Many calls.", "Read the evidence."]
    assert sc.host_dir is not None and sc.host_dir.name == "host"


CASES = [
    # (old text, new text, line of the problem, message, found by load_scenario too)
    ("difficulty: easy", "difficulty: trivial", 3, "difficulty 'trivial' is not one of", True),
    ("  seed: 3", "  seed: three", 9, "dataset `seed` must be an integer", True),
    ("  day: 2026-11-28", "  day: 28/11/2026", 10, "dataset `day` must be a date", True),
    (
        "    - type: rtp_timeout",
        "    - type: rtp_timout",
        13,
        "unknown fault type 'rtp_timout'",
        True,
    ),
    (
        "      gateway: CUST-Kingcall-NAT",
        "      gateway: GW-NOPE",
        14,
        "no gateway 'GW-NOPE'",
        True,
    ),
    ("      share: 0.2", "      share: 2", 16, "`share` must be a number from 0 to 1", True),
    ('window: ["14:00", "15:10"]', 'window: ["14:00"]', 17, "`window` must be", True),
    ("  findings: [rtp_timeout]", "  findings: [rtp_timeot]", 19, "unknown finding id", True),
    ('teaches: ["RTP timeout"', 'teaches: ["RTP timeouts"', 25, "no glossary entry named", True),
    ("debrief: |", "debriefing: |", 26, "unknown key `debriefing`", True),
    ("id: good", "id: other", 1, "must match the directory name", True),
    (
        "scope: {kind: gateway, gateway: CUST-Kingcall-NAT}",
        "scope: {kind: gateway}",
        7,
        "needs `gateway`",
        True,
    ),
    (
        "expect: {start: many}",
        "expect: {start: lots}",
        21,
        "node 'start' has no option 'lots'",
        False,
    ),
    ('  start: ["Think', '  stat: ["Think', 23, "has no node 'stat'", False),
    ("flow: ../mini-flow.yaml", "flow: ../none.yaml", 4, "no such flow file", False),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "message", "on_load"), CASES, ids=[c[3][:30] for c in CASES]
)
def test_problem_is_reported_at_its_line(
    scenario_dir: Path, old: str, new: str, line: int, message: str, on_load: bool
) -> None:
    path = edit(scenario_dir, old, new)
    problems = check_file(path)
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), problems
    if on_load:
        with pytest.raises(InputError, match=f"^{path}:{line}: "):
            load_scenario(path)


def test_missing_required_keys(scenario_dir: Path) -> None:
    p = scenario_dir / "scenario.yaml"
    p.write_text("id: good\ntitle: x\n")
    problems = check_file(p)
    for key in ("difficulty", "brief", "dataset", "diagnosis", "debrief"):
        assert f"{p}:1: missing `{key}`" in problems


def test_broken_yaml_names_its_line(scenario_dir: Path) -> None:
    p = scenario_dir / "scenario.yaml"
    p.write_text("id: good\ntitle: [unclosed\ndifficulty: easy\n")
    problems = check_file(p)
    assert len(problems) == 1 and "not valid YAML" in problems[0]
    assert problems[0].startswith(f"{p}:")


def test_broken_recorded_host(scenario_dir: Path) -> None:
    (scenario_dir / "host" / "commands.yaml").write_text("commands:\n  - stdout: x\n")
    problems = check_file(scenario_dir)
    assert any("recorded host" in p and "argv" in p for p in problems), problems


def test_missing_capture_file(scenario_dir: Path) -> None:
    p = edit(scenario_dir, "debrief: |", "capture: capture.pcap\ndebrief: |")
    assert any(f"{p}:26: capture file 'capture.pcap' does not exist" in x for x in check_file(p))


def test_finding_not_in_flow(scenario_dir: Path) -> None:
    p = edit(scenario_dir, "  findings: [rtp_timeout]", "  findings: [ack_timeout]")
    assert any("has no finding node for 'ack_timeout'" in x for x in check_file(p))


def test_check_scenarios_for_flows_check(scenario_dir: Path) -> None:
    from dropwizard.training.scenario import check_scenarios, is_scenario_path

    assert check_scenarios([scenario_dir]) == (1, [])
    assert check_scenarios([scenario_dir.parent]) == (1, [])
    assert check_scenarios([scenario_dir / "scenario.yaml"]) == (1, [])
    assert is_scenario_path(scenario_dir) and is_scenario_path(scenario_dir.parent)
    assert not is_scenario_path(scenario_dir.parent / "mini-flow.yaml")
    edit(scenario_dir, "difficulty: easy", "difficulty: 3")
    count, problems = check_scenarios([scenario_dir.parent])
    assert count == 1 and len(problems) == 1 and ":3: difficulty 3" in problems[0]
    shipped_count, shipped_problems = check_scenarios()
    assert shipped_count >= 10 and shipped_problems == []


def test_broken_recorded_evidence(scenario_dir: Path) -> None:
    (scenario_dir / "host" / "evidence.yaml").write_text(
        "probe.database:\n  status: fine\n  summary: x\n"
    )
    problems = check_file(scenario_dir)
    assert any("recorded evidence" in p and "probe.database" in p for p in problems), problems
    (scenario_dir / "host" / "evidence.yaml").write_text(
        "probe.database:\n  status: ok\n  summary: reachable\n  facts: {reachable: true}\n"
    )
    assert check_file(scenario_dir) == []


def test_a_recorded_host_is_required(scenario_dir: Path) -> None:
    shutil.rmtree(scenario_dir / "host")
    problems = check_file(scenario_dir)
    assert any(":1: no recorded host" in p for p in problems), problems
