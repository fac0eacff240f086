"""The config file: TOML at the user config dir, or `DROPWIZARD_CONFIG`.

```toml
[sources.pop1]            # `--source pop1`
uri = "mysql://report@10.0.0.5:3306/vos3000"

[flows]
path = ["~/dropwizard-flows"]   # adds or overrides flows (also DROPWIZARD_FLOWS_PATH)

[keys]                    # remap a TUI binding by its id
back = "b"

[probes]                  # see `dropwizard probe --help`
root = "/"
```
Passwords never live here: they come from `~/.my.cnf`, `DROPWIZARD_MYSQL_PASSWORD` or a prompt.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from dropwizard.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP = "dropwizard"


def config_path() -> Path:
    env = os.environ.get("DROPWIZARD_CONFIG")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP) / "config.toml"


def data_dir() -> Path:
    """Where sessions (transcripts) and exports live unless told otherwise."""
    env = os.environ.get("DROPWIZARD_DATA_DIR")
    path = Path(env).expanduser() if env else platformdirs.user_data_path(APP)
    return path


@dataclass
class Config:
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, body in (self.raw.get("sources") or {}).items():
            if isinstance(body, dict) and isinstance(body.get("uri"), str):
                out[name] = body["uri"]
            elif isinstance(body, str):
                out[name] = body
        return out

    @property
    def flows_path(self) -> list[Path]:
        paths: list[Path] = []
        env = os.environ.get("DROPWIZARD_FLOWS_PATH")
        if env:
            paths += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
        section = self.raw.get("flows")
        if section is None:
            return paths
        if not isinstance(section, dict):
            raise InputError(
                f'{self._where}: flows must be a table: [flows] with path = ["~/dropwizard-flows"]'
            )
        conf = section.get("path")
        if conf is None:
            return paths
        if isinstance(conf, str):
            conf = [conf]
        if not isinstance(conf, list) or not all(isinstance(p, str) for p in conf):
            raise InputError(
                f"{self._where}: [flows] path = {conf!r}: give a directory or a list of "
                'directories as strings, e.g. path = ["~/dropwizard-flows"]'
            )
        paths += [Path(p).expanduser() for p in conf if p]
        return paths

    @property
    def keys(self) -> dict[str, str]:
        section = self.raw.get("keys")
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise InputError(f'{self._where}: keys must be a table: [keys] with back = "b"')
        return {str(k): str(v) for k, v in section.items()}

    @property
    def _where(self) -> str:
        return str(self.path) if self.path is not None else "config file"

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name) or {}
        return value if isinstance(value, dict) else {}


def load_config(path: Path | None = None) -> Config:
    """Load the config file; a missing file is an empty config, a broken one a one-line error."""
    path = path or config_path()
    if not path.exists():
        return Config(path=None)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"{path}: {exc} (fix the TOML or set DROPWIZARD_CONFIG to another file)"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read config: {exc.strerror}") from None
    return Config(path=path, raw=raw)
