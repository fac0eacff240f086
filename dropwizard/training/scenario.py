"""Training scenarios: a recorded incident with a known answer, and their validator.

A scenario is a directory `flows/scenarios/NAME/`:

```
scenario.yaml      what the trainee is told, the data to generate, the answer, hints, debrief
host/              required: what the probes saw (`dropwizard.probes.host.RecordedHost`)
  root/...         files as they were on the VOS3000 host (/proc/sys/net/netfilter/..., logs)
  commands.yaml    command outputs (iptables-save, uname -r, ...)
  evidence.yaml    optional: outcomes of gatherers that do not go through the probe host
                   (probe.database, probe.sip_options, ...; see dropwizard.training.recorded)
capture.pcap       optional SIP/RTP capture
```

Nothing runs on the trainee's machine: probes read the recorded host, the gatherers that would
open connections serve `evidence.yaml` (or come out skipped), the CDRs are generated.

`scenario.yaml`:

```yaml
id: rtp-nat-no-proxy          # = directory name
title: One-way audio, then the call drops
difficulty: easy              # easy | medium | hard
flow: call-drop               # the flow walked (default call-drop)
brief: |                      # the ticket the trainee starts from
  ...
scope: {kind: gateway, gateway: CUST-Sunrise-Retail}   # call (number, at) | gateway | window;
                              # times default to the dataset's day
dataset:                      # input of dropwizard.cdr.demo.generate()
  seed: 11
  day: 2026-11-28
  calls: 5000
  faults:                     # demo generator faults: type, gateway, params, share, window
    - {type: rtp_timeout, gateway: CUST-Sunrise-Retail, params: {proxied: false}, share: 0.2}
host: host                    # recorded host directory (default: host/ when present)
capture: capture.pcap         # optional
params: {target: 127.0.0.1}   # session parameters for the probes (optional)
diagnosis:                    # the true diagnosis
  findings: [rtp_timeout]     # finding ids (DESIGN.md)
  match: all                  # all (default): reach every one; any: one of them is enough
  gateway: CUST-Sunrise-Retail   # optional: the gateway at fault (checked, costs no points)
expect:                       # optional: the scenario's answer where evidence does not decide
  start: gateway              # one option id, or a list: the first is the answer (the model walk
  s2_session: [endpoint_unsupported, refresh_unanswered]   # takes it), the others are accepted
                              # alternatives, right as well; the option the evidence supports is
                              # always accepted
why:                          # per node: why the scenario's answer (and each alternative) is
  s2_session: ...             # right, from the facts the trainee sees; shown with the verdict and
                              # in the report; required where `expect` lists several options
hints:                        # per node id, cheapest first; `any` applies to every node
  step1: ["Which release cause dominates the answered calls?"]
teaches: ["RTP timeout", "Media proxy"]   # glossary terms for the debrief (optional)
path: [start, step1, step2, s2_silence, f_rtp_noproxy]   # the model walk (optional, tested)
debrief: |
  ...
```
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dropwizard.errors import InputError
from dropwizard.training.model import (
    ANY_NODE,
    DIFFICULTIES,
    KNOWN_FAULTS,
    SCENARIO_FILE,
    Dataset,
    Diagnosis,
    Fault,
    Scenario,
)
from dropwizard.training.validate import check_against_flow, parse_scenario, scenario_flow

__all__ = [
    "ANY_NODE",
    "DIFFICULTIES",
    "KNOWN_FAULTS",
    "SCENARIO_FILE",
    "Dataset",
    "Diagnosis",
    "Fault",
    "Scenario",
    "check_all",
    "check_file",
    "check_scenarios",
    "find_scenario",
    "is_scenario_path",
    "list_scenarios",
    "load_scenario",
    "scenario_dirs",
    "scenario_flow",
    "search_dirs",
    "shipped_dir",
]


def shipped_dir() -> Path:
    """`flows/scenarios` next to the package (the source tree or an installed share)."""
    return Path(__file__).resolve().parents[2] / "flows" / "scenarios"


def search_dirs(config: Any = None) -> list[Path]:
    """Shipped scenarios first, then `scenarios/` inside every user flow directory."""
    dirs = [shipped_dir()]
    env = os.environ.get("DROPWIZARD_SCENARIOS_PATH")
    if env:
        dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    for p in getattr(config, "flows_path", []) or []:
        dirs.append(Path(p) / "scenarios")
    return dirs


def _scenario_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p / SCENARIO_FILE if p.is_dir() else p


def check_file(path: str | os.PathLike[str], config: Any = None) -> list[str]:
    """Every problem of one scenario (a scenario.yaml or its directory) as `file:line: message`."""
    p = _scenario_path(path)
    sc, problems, raw = parse_scenario(p)
    if sc is not None and raw is not None:
        problems += check_against_flow(sc, raw, config)
    return problems


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load one scenario; a broken one raises InputError naming the first problem."""
    p = _scenario_path(path)
    sc, problems, _ = parse_scenario(p)
    if sc is None:
        more = f" (and {len(problems) - 1} more; run `dropwizard flows check {p}`)"
        raise InputError(problems[0] + (more if len(problems) > 1 else ""))
    return sc


def scenario_dirs(dirs: Iterable[Path]) -> list[Path]:
    """Every scenario directory under the given roots, later roots overriding by name."""
    found: dict[str, Path] = {}
    for root in dirs:
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if (child / SCENARIO_FILE).is_file():
                found[child.name] = child
    return list(found.values())


def list_scenarios(config: Any = None) -> list[Scenario]:
    """Every loadable scenario, easiest first. Broken ones are left out (`flows check` names them)."""
    out = []
    for d in scenario_dirs(search_dirs(config)):
        sc, _, _ = parse_scenario(d / SCENARIO_FILE)
        if sc is not None:
            out.append(sc)
    return sorted(out, key=lambda s: (s.difficulty_rank, s.id))


def find_scenario(name: str, config: Any = None) -> Scenario:
    """A scenario by id, or by path to its directory or scenario.yaml."""
    p = Path(name)
    if p.exists():
        return load_scenario(p)
    for d in scenario_dirs(search_dirs(config)):
        if d.name == name:
            return load_scenario(d)
    known = ", ".join(d.name for d in scenario_dirs(search_dirs(config))) or "none"
    raise InputError(f"no scenario named {name!r} (known: {known}); `dropwizard train` lists them")


def check_all(config: Any = None) -> list[str]:
    """Problems of every scenario found (for `dropwizard flows check` without paths)."""
    problems: list[str] = []
    for d in scenario_dirs(search_dirs(config)):
        problems += check_file(d, config)
    return problems


def is_scenario_path(path: str | os.PathLike[str]) -> bool:
    """A scenario.yaml, a scenario directory, or a directory of scenario directories."""
    p = Path(path)
    if p.is_file():
        return p.name == SCENARIO_FILE
    if not p.is_dir():
        return False
    return (p / SCENARIO_FILE).is_file() or bool(scenario_dirs([p]))


def check_scenarios(
    paths: Iterable[str | os.PathLike[str]] | None = None, config: Any = None
) -> tuple[int, list[str]]:
    """(scenarios checked, problems) for `dropwizard flows check`.

    Without paths: every scenario found (shipped, then user flow directories' `scenarios/`).
    A path may be a scenario.yaml, a scenario directory, a directory of scenario directories,
    or a flow directory whose `scenarios/` subdirectory holds them.
    """
    if paths is None:
        dirs = scenario_dirs(search_dirs(config))
    else:
        dirs = []
        for raw in paths:
            p = Path(raw)
            if p.is_file() and p.name == SCENARIO_FILE:
                dirs.append(p.parent)
            elif (p / SCENARIO_FILE).is_file():
                dirs.append(p)
            elif p.is_dir():
                dirs += scenario_dirs([p]) or scenario_dirs([p / "scenarios"])
    problems: list[str] = []
    for d in dirs:
        problems += check_file(d, config)
    return len(dirs), problems
