"""The loader reports every problem as file:line: message, with the right line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wizard_helpers import FLOWS

from dropwizard.config import Config
from dropwizard.wizard import loader
from dropwizard.wizard.loader import FlowError, check_file, find_flow, list_flows, load_flow

HEAD = """\
id: t
title: T
reference: test
start: a
findings:
  normal_clearing:
    title: Normal
    severity: info
    explain: Normal.
nodes:
"""

NODE_A = """\
  - id: a
    type: ask
    title: A
    explain: Why A.
    reference: r
    options:
      - id: yes
        label: Yes
        next: done
  - id: done
    type: end
    title: Done
    explain: The end.
    reference: r
"""


def more(text: str) -> str:
    """Extra node YAML, written flush left in the test, indented as a list item of nodes."""
    return textwrap.indent(textwrap.dedent(text), "  ")


def write(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def marked_line(path: Path, marker: str = "#!") -> int:
    """The line holding the marker comment: where the test expects the problem."""
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if marker in line:
            return i
    raise AssertionError(f"no {marker} in {path}")


def expect(path: Path, fragment: str, marker: str = "#!") -> None:
    problems = check_file(path)
    line = marked_line(path, marker)
    want = [p for p in problems if fragment in p.message]
    assert want, f"no problem with {fragment!r} in {[str(p) for p in problems]}"
    assert any(p.line == line for p in want), [str(p) for p in want]
    assert all(str(p).startswith(f"{path}:") for p in want)
    assert f"{path}:{line}: " in "\n".join(str(p) for p in want)


def test_mini_flow_is_clean() -> None:
    assert check_file(FLOWS / "mini.yaml") == []
    flow = load_flow(FLOWS / "mini.yaml")
    assert flow.id == "mini" and flow.version == 2
    lines = (FLOWS / "mini.yaml").read_text().splitlines()
    assert flow.node("causes").options[1].line == lines.index("      - id: cause102") + 1
    assert len(flow.digest) == 64


def test_clean_minimal_flow(tmp_path: Path) -> None:
    assert check_file(write(tmp_path, HEAD + NODE_A)) == []


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + NODE_A + "  - id: [broken #!\n    type: end\n")
    problems = check_file(path)
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0].message
    assert problems[0].line in (marked_line(path), marked_line(path) + 1)


def test_unknown_node_type(tmp_path: Path) -> None:
    body = HEAD + NODE_A + "  - id: x\n    type: question #!\n    title: X\n    explain: e\n"
    body += "    reference: r\n"
    expect(write(tmp_path, body), "unknown node type 'question'")


def test_duplicate_id(tmp_path: Path) -> None:
    body = HEAD + NODE_A + "  - id: a #!\n    type: end\n    title: A\n    explain: e\n"
    body += "    reference: r\n"
    path = write(tmp_path, body)
    expect(path, "duplicate id 'a' (first at line 11)")


def test_route_to_missing_node_from_option(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("      - id: yes\n", "      - id: yes #!\n").replace(
        "next: done", "next: nowhere"
    )
    expect(write(tmp_path, body), "route to a missing node 'nowhere'")


def test_route_to_missing_start(tmp_path: Path) -> None:
    body = HEAD.replace("start: a", "start: zz #!") + NODE_A
    expect(write(tmp_path, body), "start: route to a missing node 'zz'")


def test_default_names_missing_option(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("  - id: a\n", "  - id: a #!\n").replace(
        "    options:", "    default: maybe\n    options:"
    )
    expect(write(tmp_path, body), "default 'maybe' is not one of its options")


def test_finding_next_to_missing_node(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: f")
        + more(
            """\
          - id: f #!
            type: finding
            finding: normal_clearing
            title: F
            explain: e
            reference: r
            next: gone
        """
        )
    )
    expect(write(tmp_path, body), "next: route to a missing node 'gone'")


def test_unreachable_node(tmp_path: Path) -> None:
    body = HEAD + NODE_A + "  - id: island #!\n    type: end\n    title: I\n    explain: e\n"
    body += "    reference: r\n"
    expect(write(tmp_path, body), "node island: unreachable from start 'a'")


def test_node_with_no_way_out(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: stuck")
        + more(
            """\
          - id: stuck #!
            type: check
            title: Stuck
            explain: e
            reference: r
            options: []
        """
        )
    )
    expect(write(tmp_path, body), "node stuck: no way out")


def test_loop_without_ask(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: c1")
        + more(
            """\
          - id: c1 #!
            type: check
            title: C1
            explain: e
            reference: r
            options:
              - {id: again, label: Again, next: c2}
              - {id: out, label: Out, next: done}
          - id: c2
            type: check
            title: C2
            explain: e
            reference: r
            options:
              - {id: back, label: Back, next: c1}
        """
        )
    )
    expect(write(tmp_path, body), "loop c1 -> c2 -> c1 has no ask node")


def test_loop_through_an_ask_is_fine(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: c1")
        + more(
            """\
          - id: c1
            type: check
            title: C1
            explain: e
            reference: r
            options:
              - {id: again, label: Again, next: a}
              - {id: out, label: Out, next: done}
        """
        )
    )
    assert check_file(write(tmp_path, body)) == []


def test_self_loop_on_check(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: c1")
        + more(
            """\
          - id: c1 #!
            type: check
            title: C1
            explain: e
            reference: r
            options:
              - {id: again, label: Again, next: c1}
              - {id: out, label: Out, next: done}
        """
        )
    )
    expect(write(tmp_path, body), "loop c1 -> c1 has no ask node")


def test_missing_explain(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("  - id: done\n", "  - id: done #!\n").replace(
        "    explain: The end.\n", ""
    )
    expect(write(tmp_path, body), "node done: missing explain text")


def test_missing_reference(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("  - id: a\n", "  - id: a #!\n").replace(
        "    explain: Why A.\n    reference: r\n", "    explain: Why A.\n"
    )
    expect(write(tmp_path, body), "node a: missing reference")


def test_malformed_condition_names_node_on_option_line(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace(
        "      - id: yes\n", '      - id: yes #!\n        when: "cdr.causes.top_cause == "\n'
    )
    path = write(tmp_path, body)
    expect(path, "node a, option yes: malformed condition")
    (problem,) = check_file(path)
    assert "column" in problem.message


@pytest.mark.parametrize(
    "cond", ["open('x')", "x[0]", "().__class__", "a = 1", "1 < 2 < 3", "'unterminated"]
)
def test_malformed_condition_variants(tmp_path: Path, cond: str) -> None:
    quoted = json.dumps(cond)
    body = HEAD + NODE_A.replace(
        "      - id: yes\n", f"      - id: yes #!\n        when: {quoted}\n"
    )
    expect(write(tmp_path, body), "malformed condition")


def test_malformed_condition_in_fix(tmp_path: Path) -> None:
    body = HEAD.replace(
        "    explain: Normal.\n",
        "    explain: Normal.\n    fixes:\n      - kind: fix #!\n        text: T\n        when: 'a +'\n",
    )
    expect(write(tmp_path, body + NODE_A), "finding normal_clearing, fix 1: malformed condition")


def test_unknown_finding_id_in_catalogue(tmp_path: Path) -> None:
    body = HEAD.replace("  normal_clearing:\n", "  user_hangup: #!\n") + NODE_A
    expect(write(tmp_path, body), "unknown finding id 'user_hangup'")


def test_unknown_finding_id_on_node(tmp_path: Path) -> None:
    body = (
        HEAD
        + NODE_A.replace("next: done", "next: f")
        + more(
            """\
          - id: f #!
            type: finding
            finding: rtp_timeout
            title: F
            explain: e
            reference: r
        """
        )
    )
    expect(write(tmp_path, body), "node f: unknown finding id 'rtp_timeout' (not in findings:)")


@pytest.mark.parametrize("template", ["{a b}", "{x", "x}", "{x:zz}", "{x.__class__()}", "{}"])
def test_bad_because_template(tmp_path: Path, template: str) -> None:
    body = HEAD + NODE_A.replace(
        "      - id: yes\n",
        f"      - id: yes #!\n        when: 'x == 1'\n        because: {json.dumps(template)}\n",
    )
    expect(write(tmp_path, body), "node a, option yes: bad because template")


def test_condition_reading_a_fact_nobody_gathers(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace(
        "      - id: yes\n",
        "      - id: yes #!\n        when: \"scope.kind == 'call' and cdr.cause.top == 1\"\n",
    )
    expect(write(tmp_path, body), "reads 'cdr.cause.top', but no node gathers 'cdr.cause'")


def test_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("    title: A\n", "    title: A\n    explian: typo #!\n")
    path = write(tmp_path, body)
    expect(path, "unknown key 'explian'")
    body2 = HEAD.replace("title: T", "title: [1, 2] #!") + NODE_A
    expect(write(tmp_path, body2, "u.yaml"), "flow: title: must be text")


def test_extension_keys_are_allowed(tmp_path: Path) -> None:
    body = HEAD + NODE_A.replace("    title: A\n", "    title: A\n    x-owner: noc\n")
    assert check_file(write(tmp_path, body)) == []


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    body = (
        HEAD.replace("start: a", "start: zz")
        + NODE_A.replace("    explain: Why A.\n", "").replace("next: done", "next: gone")
        + "  - id: a\n    type: bogus\n"
    )
    problems = check_file(write(tmp_path, body))
    messages = "\n".join(p.message for p in problems)
    for fragment in (
        "start: route to a missing node",
        "missing explain",
        "route to a missing node 'gone'",
        "duplicate id 'a'",
        "unknown node type 'bogus'",
    ):
        assert fragment in messages
    with pytest.raises(FlowError) as err:
        load_flow(tmp_path / "t.yaml")
    assert err.value.problems == problems
    assert "more" in err.value.message


def test_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- just\n- a list\n")
    (problem,) = check_file(path)
    assert problem.line == 1 and "must be a mapping" in problem.message


def test_find_and_list_with_user_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "shipped"
    user = tmp_path / "user"
    shipped.mkdir()
    user.mkdir()
    (shipped / "scenarios").mkdir()
    (shipped / "scenarios" / "s.yaml").write_text("not: a flow\n")
    (shipped / "schema.json").write_text("{}\n")
    write(shipped, HEAD.replace("title: T", "title: Shipped") + NODE_A)
    write(shipped, HEAD.replace("id: t", "id: other") + NODE_A, "other.yaml")
    write(user, HEAD.replace("title: T", "title: Mine") + NODE_A, "my-t.yaml")
    monkeypatch.setattr(loader, "shipped_dir", lambda: shipped)
    monkeypatch.delenv("DROPWIZARD_FLOWS_PATH", raising=False)
    config = Config(raw={"flows": {"path": [str(user)]}})
    assert find_flow("t", config).title == "Mine"
    assert find_flow("other", config).id == "other"
    entries = list_flows(config)
    assert [(e.id, e.origin, e.active) for e in entries] == [
        ("t", "user", True),
        ("other", "shipped", True),
        ("t", "shipped", False),
    ]
    assert find_flow("t", Config()).title == "Shipped"
    monkeypatch.setenv("DROPWIZARD_FLOWS_PATH", str(user))
    assert find_flow("t", Config()).title == "Mine"
    with pytest.raises(FlowError.__mro__[1], match="no flow named 'nope'"):
        find_flow("nope", config)


def test_shipped_flows_load_clean() -> None:
    paths = loader.flow_files(loader.shipped_dir())
    assert paths, "flows/ holds no flow"
    for path in paths:
        assert check_file(path) == [], path


MINI_LINES = (FLOWS / "mini.yaml").read_text().splitlines()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(MINI_LINES) - 1),
            st.sampled_from(["drop", "dup", "indent", "dedent", "junk"]),
            st.text(alphabet="abc: -[]{}'\"#&*!|>%@`\t", max_size=8),
        ),
        max_size=4,
    )
)
def test_mangled_flows_give_problems_never_crashes(tmp_path: Path, edits) -> None:
    lines = list(MINI_LINES)
    for index, kind, junk in edits:
        index %= len(lines)
        if kind == "drop":
            del lines[index]
        elif kind == "dup":
            lines.insert(index, lines[index])
        elif kind == "indent":
            lines[index] = "  " + lines[index]
        elif kind == "dedent":
            lines[index] = lines[index][2:]
        else:
            lines[index] += junk
        if not lines:
            lines = ["x"]
    path = tmp_path / "m.yaml"
    path.write_text("\n".join(lines) + "\n")
    problems = check_file(path)
    for p in problems:
        assert 1 <= p.line <= len(lines) + 1, p
        assert str(p).startswith(f"{path}:{p.line}: ")
