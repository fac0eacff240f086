#!/usr/bin/env python3
"""Regenerate screenshots/*.svg from the real app on the demo data.

    .venv/bin/python scripts/screenshots.py [SCENE...]

The scenes (dropwizard/tui/scenes.py) are the ones the snapshot tests compare, built with the
same factory. Run it whenever the UI changes, in the same commit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dropwizard.tui.scenes import BY_NAME, SCENES, shoot  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description="Regenerate screenshots/*.svg")
    ap.add_argument("scenes", nargs="*", help=f"scene names (default all): {', '.join(BY_NAME)}")
    ap.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = ap.parse_args()
    unknown = [n for n in args.scenes if n not in BY_NAME]
    if unknown:
        print(f"screenshots: unknown scene(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [BY_NAME[n] for n in args.scenes] or list(SCENES)
    args.out.mkdir(parents=True, exist_ok=True)
    for scene in chosen:
        path = asyncio.run(shoot(scene, args.out))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {scene.about}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
