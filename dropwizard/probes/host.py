"""Where probes look: run an argv, read a file, list a directory, bounded and relative to a root.

`LocalHost` is this machine (optionally seen through another root directory), `RecordedHost` is a
saved snapshot of another machine: files under `DIR/root/`, command outputs in `DIR/commands.yaml`.
Probes only use the `Host` interface, so an SSH host can be added without touching them.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import stat as statmod
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from dropwizard.errors import InputError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_OUTPUT = 256 * 1024
DEFAULT_MAX_BYTES = 1024 * 1024
SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")

PACKAGES: dict[str, tuple[str, str]] = {
    "tcpdump": ("tcpdump", "tcpdump"),
    "iptables-save": ("iptables", "iptables"),
    "ip6tables-save": ("iptables", "iptables"),
    "nft": ("nftables", "nftables"),
    "ss": ("iproute2", "iproute"),
    "ip": ("iproute2", "iproute"),
    "systemctl": ("systemd", "systemd"),
    "ps": ("procps", "procps-ng"),
    "conntrack": ("conntrack", "conntrack-tools"),
    "netstat": ("net-tools", "net-tools"),
    "sysctl": ("procps", "procps-ng"),
}
"""Binary -> (Debian package, CentOS package), for `skipped` evidence that says what to install."""


def install_hint(binary: str) -> str:
    """`tcpdump not installed: apt-get install tcpdump / yum install tcpdump`."""
    deb, rpm = PACKAGES.get(binary, (binary, binary))
    return f"{binary} not installed: apt-get install {deb} / yum install {rpm}"


ROOT_HINT = "needs root: run with sudo"


@dataclass
class RunResult:
    """How one command ran. Output is text, cut at the cap while it was read."""

    argv: list[str]
    rc: int | None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    truncated: bool = False
    duration: float = 0.0
    missing_binary: bool = False
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out and not self.missing_binary

    def describe(self) -> str:
        """One line: what ran and how it ended."""
        cmd = " ".join(self.argv)
        if self.missing_binary:
            return f"{cmd}: {install_hint(self.argv[0])}"
        if self.timed_out:
            return f"{cmd}: killed after {self.duration:.1f} s (timeout)"
        return f"{cmd}: exit {self.rc} in {self.duration:.2f} s"

    def raw(self) -> str:
        """`$ argv` followed by the output, for Evidence.raw."""
        parts = [f"$ {' '.join(self.argv)}"]
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append(self.stderr.rstrip("\n"))
        if self.timed_out:
            parts.append(f"[killed after {self.duration:.1f} s]")
        if self.truncated:
            parts.append("[output cut at the cap]")
        return "\n".join(parts)


@dataclass
class FileInfo:
    """The few stat fields probes use."""

    size: int
    mtime: float
    is_dir: bool


@dataclass
class DiskUsage:
    total: int
    free: int


class Host(ABC):
    """The machine probes look at. Paths are absolute paths on that machine."""

    name: str = "localhost"

    @abstractmethod
    def run(
        self,
        argv: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        max_output: int = DEFAULT_MAX_OUTPUT,
        *,
        interrupt_after: float | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """Run argv (no shell). At `interrupt_after` s (or on `cancel`) send SIGINT to the group,
        at `timeout` s kill it."""

    @abstractmethod
    def read_bytes(
        self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, tail: bool = False
    ) -> bytes:
        """Up to max_bytes of a file (its end when `tail`). Raises OSError like open()."""

    @abstractmethod
    def list_dir(self, path: str) -> list[str]:
        """Names in a directory, sorted. Raises OSError like os.listdir()."""

    @abstractmethod
    def stat(self, path: str) -> FileInfo | None:
        """Size, mtime and kind, or None when the path does not exist or cannot be seen."""

    @abstractmethod
    def which(self, binary: str) -> str | None:
        """The path of an executable, searching PATH and the sbin directories."""

    @abstractmethod
    def euid(self) -> int:
        """The effective user id probes run with on that machine."""

    @abstractmethod
    def disk_usage(self, path: str) -> DiskUsage | None:
        """Total and free bytes of the filesystem holding path, or None."""

    def local_path(self, path: str) -> Path | None:
        """A path this process can open for `path` on the host, or None (remote hosts)."""
        return None

    def why_missing(self, binary: str) -> str:
        """Why `binary` cannot run here, with what to install."""
        return install_hint(binary)

    def read_file(
        self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, tail: bool = False
    ) -> str:
        """A file as text (UTF-8, undecodable bytes replaced). Raises OSError."""
        return self.read_bytes(path, max_bytes, tail=tail).decode("utf-8", "replace")

    def try_read(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
        """A file as text, or None when it is missing or unreadable."""
        try:
            return self.read_file(path, max_bytes)
        except OSError:
            return None

    def exists(self, path: str) -> bool:
        return self.stat(path) is not None

    def is_root(self) -> bool:
        return self.euid() == 0


def _norm(path: str) -> str:
    p = PurePosixPath("/") / path
    parts: list[str] = []
    for part in p.parts[1:]:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/" + "/".join(parts)


class _RootedFiles:
    """File access below a root directory; `..` never climbs out of it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    def _p(self, path: str) -> Path:
        return self.root / _norm(path).lstrip("/")

    def local_path(self, path: str) -> Path | None:
        return self._p(path)

    def read_bytes(
        self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, tail: bool = False
    ) -> bytes:
        p = self._p(path)
        with p.open("rb") as fh:
            if tail:
                try:
                    size = os.fstat(fh.fileno()).st_size
                except OSError:
                    size = 0
                if size > max_bytes:
                    fh.seek(size - max_bytes)
            return fh.read(max_bytes)

    def list_dir(self, path: str) -> list[str]:
        return sorted(os.listdir(self._p(path)))

    def stat(self, path: str) -> FileInfo | None:
        try:
            st = self._p(path).stat()
        except OSError:
            return None
        return FileInfo(size=st.st_size, mtime=st.st_mtime, is_dir=statmod.S_ISDIR(st.st_mode))

    def disk_usage(self, path: str) -> DiskUsage | None:
        p = self._p(path)
        while not p.exists() and p != self.root and p.parent != p:
            p = p.parent
        try:
            st = os.statvfs(p)
        except OSError:
            return None
        return DiskUsage(total=st.f_blocks * st.f_frsize, free=st.f_bavail * st.f_frsize)


def run_local(
    argv: Sequence[str],
    timeout: float = DEFAULT_TIMEOUT,
    max_output: int = DEFAULT_MAX_OUTPUT,
    *,
    interrupt_after: float | None = None,
    cancel: threading.Event | None = None,
    env: dict[str, str] | None = None,
    umask: int = -1,
) -> RunResult:
    """Run argv on this machine in its own process group, reading at most max_output per stream."""
    args = [str(a) for a in argv]
    if not args:
        raise ValueError("empty argv")
    t0 = time.monotonic()
    run_env = dict(os.environ if env is None else env)
    run_env["LC_ALL"] = "C"
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=run_env,
            umask=umask,
        )
    except FileNotFoundError:
        return RunResult(argv=args, rc=127, missing_binary=True, duration=time.monotonic() - t0)
    except PermissionError as exc:
        return RunResult(argv=args, rc=126, stderr=str(exc), duration=time.monotonic() - t0)

    bufs: dict[int, bytearray] = {}
    truncated = False
    timed_out = False
    interrupted = False
    deadline = t0 + timeout
    soft = t0 + interrupt_after if interrupt_after is not None else None
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    sel = selectors.DefaultSelector()
    for stream in (proc.stdout, proc.stderr):
        assert stream is not None
        os.set_blocking(stream.fileno(), False)
        sel.register(stream, selectors.EVENT_READ)
        bufs[stream.fileno()] = bytearray()

    def signal_group(sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    try:
        while sel.get_map():
            now = time.monotonic()
            if cancel is not None and cancel.is_set() and not interrupted:
                soft = now
            if soft is not None and not interrupted and now >= soft:
                interrupted = True
                signal_group(signal.SIGINT)
            if now >= deadline:
                timed_out = True
                signal_group(signal.SIGKILL)
                break
            wait = deadline - now
            if soft is not None and not interrupted:
                wait = min(wait, soft - now)
            if cancel is not None and not interrupted:
                wait = min(wait, 0.1)
            for key, _ in sel.select(max(wait, 0.0)):
                fd = key.fileobj.fileno()  # type: ignore[union-attr]
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = bufs[fd]
                room = max_output - len(buf)
                if room > 0:
                    buf += chunk[:room]
                if len(chunk) > room:
                    truncated = True
        remaining = max(deadline - time.monotonic(), 0.0)
        try:
            proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            timed_out = True
            signal_group(signal.SIGKILL)
            proc.wait()
    finally:
        sel.close()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if proc.poll() is None:
            signal_group(signal.SIGKILL)
            proc.wait()
    return RunResult(
        argv=args,
        rc=None if timed_out else proc.returncode,
        stdout=bytes(bufs[out_fd]).decode("utf-8", "replace"),
        stderr=bytes(bufs[err_fd]).decode("utf-8", "replace"),
        timed_out=timed_out,
        truncated=truncated,
        duration=round(time.monotonic() - t0, 4),
        interrupted=interrupted,
    )


class _FileTreeHost(Host):
    """A host whose files are read from a local directory tree (`self.files`)."""

    files: _RootedFiles

    def read_bytes(
        self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, tail: bool = False
    ) -> bytes:
        return self.files.read_bytes(path, max_bytes, tail=tail)

    def list_dir(self, path: str) -> list[str]:
        return self.files.list_dir(path)

    def stat(self, path: str) -> FileInfo | None:
        return self.files.stat(path)

    def disk_usage(self, path: str) -> DiskUsage | None:
        return self.files.disk_usage(path)

    def local_path(self, path: str) -> Path | None:
        return self.files.local_path(path)


class LocalHost(_FileTreeHost):
    """This machine. Files are read below `root` (default `/`).

    Commands run only when the root is `/` (or `run_commands=True`): a directory standing in for
    another machine's `/` says nothing about this machine's commands.
    """

    def __init__(
        self, root: str | os.PathLike[str] = "/", *, run_commands: bool | None = None
    ) -> None:
        self.files = _RootedFiles(root)
        self.root = self.files.root
        self.name = "localhost" if str(self.root) == "/" else f"localhost:{self.root}"
        self.run_commands = str(self.root) == "/" if run_commands is None else run_commands

    def why_missing(self, binary: str) -> str:
        if not self.run_commands:
            return f"{binary} not run: {self.root} is a directory standing in for /"
        return install_hint(binary)

    def run(
        self,
        argv: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        max_output: int = DEFAULT_MAX_OUTPUT,
        *,
        interrupt_after: float | None = None,
        cancel: threading.Event | None = None,
        umask: int = -1,
    ) -> RunResult:
        args = [str(a) for a in argv]
        if not self.run_commands:
            return RunResult(argv=args, rc=127, missing_binary=True)
        found = self.which(args[0]) if args and "/" not in args[0] else None
        if found:
            args = [found, *args[1:]]
        result = run_local(
            args,
            timeout,
            max_output,
            interrupt_after=interrupt_after,
            cancel=cancel,
            umask=umask,
        )
        result.argv = [str(a) for a in argv]
        return result

    def which(self, binary: str) -> str | None:
        if not self.run_commands:
            return None
        if "/" in binary:
            return binary if os.access(binary, os.X_OK) else None
        path = os.environ.get("PATH", os.defpath)
        extra = [d for d in SBIN_DIRS if d not in path.split(os.pathsep)]
        return shutil.which(binary, path=os.pathsep.join([path, *extra]))

    def euid(self) -> int:
        return os.geteuid()


@dataclass
class _Recorded:
    argv: list[str]
    stdout: str = ""
    stderr: str = ""
    rc: int = 0
    timed_out: bool = False
    missing: bool = False


@dataclass
class RecordedHost(_FileTreeHost):
    """A saved snapshot of a machine: `DIR/root/` holds its files, `DIR/commands.yaml` the rest.

    ```yaml
    name: vos-pop1            # optional, shown in evidence
    euid: 0                   # optional, default 0
    binaries: [iptables-save] # optional; default: every argv[0] recorded below
    disk: {"/": {total: 100000000, free: 2000000}}
    commands:
      - argv: [iptables-save, -c]
        stdout: |
          *filter
          ...
        rc: 0
    ```
    A command that is not recorded runs as a missing binary.
    """

    directory: Path
    name: str = "recorded"
    _commands: list[_Recorded] = field(default_factory=list)
    _euid: int = 0
    _binaries: set[str] = field(default_factory=set)
    _disk: dict[str, DiskUsage] = field(default_factory=dict)

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.files = _RootedFiles(self.directory / "root")
        spec: dict[str, Any] = {}
        path = self.directory / "commands.yaml"
        if path.exists():
            try:
                spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = f":{mark.line + 1}" if mark is not None else ""
                raise InputError(f"{path}{line}: not valid YAML ({exc})") from None
            if not isinstance(spec, dict):
                raise InputError(f"{path}: expected a mapping with `commands:`")
        self.name = str(spec.get("name") or self.directory.name)
        self._euid = int(spec.get("euid", 0))
        self._commands = []
        for i, item in enumerate(spec.get("commands") or []):
            if not isinstance(item, dict) or not isinstance(item.get("argv"), list):
                raise InputError(f"{path}: commands[{i}] needs an `argv:` list")
            self._commands.append(
                _Recorded(
                    argv=[str(a) for a in item["argv"]],
                    stdout=str(item.get("stdout") or ""),
                    stderr=str(item.get("stderr") or ""),
                    rc=int(item.get("rc", 0)),
                    timed_out=bool(item.get("timed_out", False)),
                    missing=bool(item.get("missing", False)),
                )
            )
        binaries = spec.get("binaries")
        if binaries is None:
            self._binaries = {c.argv[0] for c in self._commands if c.argv and not c.missing}
        else:
            self._binaries = {str(b) for b in binaries}
        self._disk = {}
        for mount, body in (spec.get("disk") or {}).items():
            self._disk[_norm(str(mount))] = DiskUsage(int(body["total"]), int(body["free"]))

    def run(
        self,
        argv: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        max_output: int = DEFAULT_MAX_OUTPUT,
        *,
        interrupt_after: float | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        args = [str(a) for a in argv]
        for rec in self._commands:
            if rec.argv == args:
                if rec.missing:
                    break
                out, err = rec.stdout, rec.stderr
                truncated = len(out) > max_output or len(err) > max_output
                return RunResult(
                    argv=args,
                    rc=None if rec.timed_out else rec.rc,
                    stdout=out[:max_output],
                    stderr=err[:max_output],
                    timed_out=rec.timed_out,
                    truncated=truncated,
                    duration=timeout if rec.timed_out else 0.0,
                )
        return RunResult(argv=args, rc=127, missing_binary=True)

    def which(self, binary: str) -> str | None:
        name = binary.rsplit("/", 1)[-1]
        return f"/usr/sbin/{name}" if binary in self._binaries or name in self._binaries else None

    def euid(self) -> int:
        return self._euid

    def disk_usage(self, path: str) -> DiskUsage | None:
        p = _norm(path)
        best = None
        for mount in self._disk:
            if (p == mount or p.startswith(mount.rstrip("/") + "/")) and (
                best is None or len(mount) > len(best)
            ):
                best = mount
        return self._disk.get(best) if best else None


def open_host(root: str | os.PathLike[str] | None = None) -> Host:
    """`--root DIR`: a recorded snapshot when DIR has commands.yaml or root/, else DIR as `/`."""
    if root is None or str(root) == "/":
        return LocalHost("/")
    d = Path(root).expanduser()
    if not d.is_dir():
        raise InputError(f"--root {root}: not a directory (give a directory that stands in for /)")
    if (d / "commands.yaml").is_file() or (d / "root").is_dir():
        return RecordedHost(d)
    return LocalHost(d)


class _BlockDumper(yaml.SafeDumper):
    """YAML with multi-line strings as literal blocks, so recorded outputs stay readable."""


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_block)


class RecordingHost(Host):
    """Pass everything through to another host and save what probes saw as a RecordedHost snapshot.

    `--save-snapshot DIR` uses it: DIR/root/ gets every file read (as read: tails stay tails),
    DIR/commands.yaml every command run. Config files may hold secrets: review before sharing.
    """

    def __init__(self, inner: Host, directory: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.directory = Path(directory).expanduser()
        self.name = inner.name
        self.files = _RootedFiles(self.directory / "root")
        self.commands: list[dict[str, Any]] = []
        self.binaries: set[str] = set()
        self.disk: dict[str, dict[str, int]] = {}
        (self.directory / "root").mkdir(parents=True, exist_ok=True)

    def _dest(self, path: str) -> Path:
        dest = self.files._p(path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        return dest

    def run(
        self,
        argv: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        max_output: int = DEFAULT_MAX_OUTPUT,
        *,
        interrupt_after: float | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        res = self.inner.run(
            argv, timeout, max_output, interrupt_after=interrupt_after, cancel=cancel
        )
        entry: dict[str, Any] = {"argv": list(res.argv)}
        if res.missing_binary:
            entry["missing"] = True
        else:
            entry.update(
                stdout=res.stdout, stderr=res.stderr, rc=res.rc if res.rc is not None else -9
            )
            if res.timed_out:
                entry["timed_out"] = True
        self.commands = [c for c in self.commands if c["argv"] != entry["argv"]] + [entry]
        return res

    def read_bytes(
        self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, tail: bool = False
    ) -> bytes:
        data = self.inner.read_bytes(path, max_bytes, tail=tail)
        try:
            self._dest(path).write_bytes(data)
        except OSError:
            pass
        return data

    def list_dir(self, path: str) -> list[str]:
        names = self.inner.list_dir(path)
        try:
            self.files._p(path).mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        return names

    def stat(self, path: str) -> FileInfo | None:
        info = self.inner.stat(path)
        if info is not None:
            try:
                if info.is_dir:
                    self.files._p(path).mkdir(parents=True, exist_ok=True)
                elif not self.files._p(path).exists():
                    self._dest(path).touch()
            except OSError:
                pass
        return info

    def which(self, binary: str) -> str | None:
        found = self.inner.which(binary)
        if found:
            self.binaries.add(binary)
        return found

    def euid(self) -> int:
        return self.inner.euid()

    def disk_usage(self, path: str) -> DiskUsage | None:
        du = self.inner.disk_usage(path)
        if du is not None:
            self.disk[_norm(path)] = {"total": du.total, "free": du.free}
        return du

    def local_path(self, path: str) -> Path | None:
        return self.inner.local_path(path)

    def why_missing(self, binary: str) -> str:
        return self.inner.why_missing(binary)

    def save(self) -> Path:
        """Write DIR/commands.yaml; returns its path."""
        spec = {
            "name": self.name,
            "euid": self.euid(),
            "binaries": sorted(
                self.binaries | {c["argv"][0] for c in self.commands if not c.get("missing")}
            ),
            "disk": self.disk,
            "commands": self.commands,
        }
        path = self.directory / "commands.yaml"
        text = yaml.dump(spec, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=1000)
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return path
