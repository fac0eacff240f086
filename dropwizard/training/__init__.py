"""Training mode: recorded scenarios, a judged walk of the real flow, scoring and a glossary.

- `scenario`: the scenario format (`flows/scenarios/NAME/scenario.yaml` + `host/` + optional
  capture), its validator (`check_file(path) -> list[str]` of `file:line: message`,
  `check_scenarios(paths)` for `dropwizard flows check`), `list_scenarios`, `find_scenario`.
- `run`: `TrainingRun.open(scenario)`; `start()`, `evidence()` (gathers, blocking),
  `options()`, `choose(option) -> Judgement`, `retry()`, `hint()`, `score()`,
  `report_markdown()`, `close()`. The proposal stays hidden until a choice is made.
- `scoring`: `ScoringRules`, `Decision`, `score()`; `report`: the trainer report.
- `headless`: `walk_answers` (answers files) and `follow_evidence` (the model walk).
- `glossary`: `entries()`, `categories()`, `search()`, `lookup()` -> `GlossaryEntry`.
- `recorded`: live gatherers replaced by the scenario's recorded evidence.
"""
