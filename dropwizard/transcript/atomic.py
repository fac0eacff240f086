"""Write a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dropwizard.transcript.log import fsync_dir

FILE_MODE = 0o600


def write_atomic(path: str | os.PathLike[str], text: str, *, mode: int = FILE_MODE) -> Path:
    """Write `text` (UTF-8) to `path` atomically, mode 0600; returns the path.

    The text goes to a temporary file in the same directory, which is fsynced and then renamed
    over `path` with `os.replace`; the directory is fsynced so the rename survives a crash. On
    any failure the temporary file is removed and `path` keeps its old content.
    """
    target = Path(path)
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    fsync_dir(directory)
    return target
