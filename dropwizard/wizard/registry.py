"""The gatherer registry a session uses: every installed family plus `DROPWIZARD_GATHERERS`.

`DROPWIZARD_GATHERERS` lists extra modules (dotted names, or paths to `.py` files) separated by
commas or the path separator; each must define `register(registry)`. Sites use it for their own
gatherers; the test suite uses it for slow or scripted ones.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

from dropwizard.errors import InputError
from dropwizard.gather import Registry, default_registry

ENV = "DROPWIZARD_GATHERERS"


def _load(entry: str) -> ModuleType:
    if entry.endswith(".py") or "/" in entry:
        path = Path(entry).expanduser()
        name = "dropwizard_extra_" + re.sub(r"\W", "_", path.stem)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None or not path.is_file():
            raise InputError(f"{ENV}: {entry}: no such Python file")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(entry)
    except ModuleNotFoundError as exc:
        if exc.name != entry:
            raise
        raise InputError(
            f"{ENV}: no module named {entry!r} (check the name or PYTHONPATH)"
        ) from None


def extra_modules(value: str | None = None) -> list[str]:
    """The entries of DROPWIZARD_GATHERERS."""
    value = os.environ.get(ENV, "") if value is None else value
    return [e.strip() for e in re.split(rf"[,{re.escape(os.pathsep)}]", value) if e.strip()]


def session_registry() -> Registry:
    """Installed gatherer families plus the extra modules named in DROPWIZARD_GATHERERS."""
    reg = default_registry()
    for entry in extra_modules():
        module = _load(entry)
        register = getattr(module, "register", None)
        if not callable(register):
            raise InputError(f"{ENV}: {entry} has no register(registry) function")
        register(reg)
    return reg
