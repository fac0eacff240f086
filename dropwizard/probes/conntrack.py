"""`conntrack`: the UDP conntrack timeouts in force and persisted, against the guide and the kernel."""

from __future__ import annotations

import re
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import (
    ProbeContext,
    Result,
    kernel_release,
    kernel_version,
    read_int,
)
from dropwizard.probes.host import Host

NF = "/proc/sys/net/netfilter"
OLD = "/proc/sys/net/ipv4/netfilter"
UDP_KEY = "net.netfilter.nf_conntrack_udp_timeout"
STREAM_KEY = "net.netfilter.nf_conntrack_udp_timeout_stream"
GUIDE_STREAM = 3600
GUIDE_UDP = 300
SYSCTL_DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)

FIX_LINES = [
    "echo 3600 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream",
    "echo 300 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout",
]
SYSCTL_CONF = "/etc/sysctl.conf"
PERSIST_LINES = [
    'echo "net.netfilter.nf_conntrack_udp_timeout_stream = 3600" >> /etc/sysctl.conf',
    'echo "net.netfilter.nf_conntrack_udp_timeout = 300" >> /etc/sysctl.conf',
    "sysctl -p",
]
"""The guide's persistence lines, right when neither key is persisted anywhere yet."""
_ASSIGN = re.compile(r"^\s*-?\s*([A-Za-z0-9_./-]+)\s*=\s*(.*?)\s*$")


def kernel_default_stream(version: tuple[int, int] | None) -> int | None:
    """120 s since Linux 5.0 (commit 294304e4c522), 180 s before."""
    if version is None:
        return None
    return 120 if version >= (5, 0) else 180


def parse_sysctl(text: str) -> dict[str, str]:
    """`key = value` lines of a sysctl.conf file (slash or dot keys), comments skipped."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        m = _ASSIGN.match(s)
        if m:
            out[m.group(1).replace("/", ".")] = m.group(2)
    return out


def persisted_settings(host: Host) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """sysctl settings as systemd-sysctl/procps apply them: key -> (value, file); files read.

    Files in the sysctl.d directories apply in name order (a name in /etc hides the same name in
    the others), then /etc/sysctl.conf.
    """
    chosen: dict[str, str] = {}
    for d in SYSCTL_DIRS:
        try:
            names = host.list_dir(d)
        except OSError:
            continue
        for name in names:
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{d}/{name}"
    order = [chosen[n] for n in sorted(chosen)] + ["/etc/sysctl.conf"]
    settings: dict[str, tuple[str, str]] = {}
    read: list[str] = []
    for path in order:
        text = host.try_read(path, 256 * 1024)
        if text is None:
            continue
        read.append(path)
        for k, v in parse_sysctl(text).items():
            settings[k] = (v, path)
    return settings, read


def load_command(files: list[str]) -> str:
    """The command that applies these sysctl files now.

    `sysctl -p` without a file reads /etc/sysctl.conf only; a file in a sysctl.d directory needs
    `sysctl --system`, which loads every directory and then /etc/sysctl.conf, as at boot (sysctl(8)).
    """
    return "sysctl --system" if any(f != SYSCTL_CONF for f in files) else "sysctl -p"


def persist_lines(settings: dict[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Lines that persist the guide's values where this host keeps them; and the files they touch.

    A key no file sets is appended to /etc/sysctl.conf (the guide's line). A key a file sets below
    the guide is changed in that file, or, for a file outside /etc, in a same-named copy under
    /etc/sysctl.d, which hides it. The command that loads the files is not included.
    """
    lines: list[str] = []
    files: list[str] = []
    for key, target in ((STREAM_KEY, GUIDE_STREAM), (UDP_KEY, GUIDE_UDP)):
        value, path = settings.get(key, (None, ""))
        held = _as_int(value)
        if held is not None and held >= target:
            continue
        if not path:
            lines.append(f'echo "{key} = {target}" >> {SYSCTL_CONF}')
            files.append(SYSCTL_CONF)
        elif path.startswith("/etc/"):
            lines.append(f"Set {key} = {target} in {path} (it holds {value} now)")
            files.append(path)
        else:
            copy = "/etc/sysctl.d/" + path.rsplit("/", 1)[-1]
            lines.append(
                f"Copy {path} to {copy} (the copy hides it) and set {key} = {target} there "
                f"(it holds {value} now)"
            )
            files.append(copy)
    return lines, files


def _loaded(host: Host) -> bool:
    if host.exists(f"{NF}/nf_conntrack_udp_timeout") or host.exists(
        f"{OLD}/ip_conntrack_udp_timeout"
    ):
        return True
    modules = host.try_read("/proc/modules", 512 * 1024) or ""
    if re.search(r"^(nf|ip)_conntrack ", modules, re.M):
        return True
    return host.exists("/sys/module/nf_conntrack/initstate")


def _as_int(value: str | None) -> int | None:
    try:
        return int(str(value).split()[0]) if value is not None else None
    except (ValueError, IndexError):
        return None


def probe(pc: ProbeContext) -> Result:
    """Read nf_conntrack_udp_timeout(_stream), the conntrack table fill and the persisted values."""
    host = pc.host
    release = kernel_release(host)
    version = kernel_version(release)
    default_stream = kernel_default_stream(version)
    facts: dict[str, Any] = {"loaded": _loaded(host)}
    if default_stream is not None:
        facts["kernel_default_stream"] = default_stream
    settings, files = persisted_settings(host)
    data: dict[str, Any] = {"kernel": release, "sysctl_files": files}
    if not facts["loaded"]:
        return Result(
            Status.OK,
            "conntrack is not loaded: no Linux connection-tracking UDP timeouts apply on this host",
            facts=facts,
            data=data,
            advice=[
                "Check any firewall or NAT device in the path instead: its UDP timeout must outlive "
                "the longest signalling silence (at least 3600 s for RTP streams, 300 s for UDP)."
            ],
        )
    udp = read_int(host, f"{NF}/nf_conntrack_udp_timeout")
    stream = read_int(host, f"{NF}/nf_conntrack_udp_timeout_stream")
    if udp is None:
        udp = read_int(host, f"{OLD}/ip_conntrack_udp_timeout")
    if stream is None:
        stream = read_int(host, f"{OLD}/ip_conntrack_udp_timeout_stream")
    count = read_int(host, f"{NF}/nf_conntrack_count")
    if count is None:
        count = read_int(host, f"{OLD}/ip_conntrack_count")
    cmax = read_int(host, f"{NF}/nf_conntrack_max")
    if cmax is None:
        cmax = read_int(host, "/proc/sys/net/nf_conntrack_max")
    if cmax is None:
        cmax = read_int(host, f"{OLD}/ip_conntrack_max")
    for key, value in (
        ("udp_timeout", udp),
        ("udp_stream_timeout", stream),
        ("entries", count),
        ("max_entries", cmax),
    ):
        if value is not None:
            facts[key] = value
    p_udp = _as_int(settings.get(UDP_KEY, (None, ""))[0])
    p_stream = _as_int(settings.get(STREAM_KEY, (None, ""))[0])
    facts["persisted"] = bool(
        p_udp is not None
        and p_stream is not None
        and p_udp >= GUIDE_UDP
        and p_stream >= GUIDE_STREAM
    )
    data["persisted"] = {
        k: {"value": v, "file": f} for k, (v, f) in settings.items() if "conntrack" in k
    }
    raw_lines = [f"kernel {release}", f"{NF}/nf_conntrack_udp_timeout: {udp}"]
    raw_lines.append(f"{NF}/nf_conntrack_udp_timeout_stream: {stream}")
    raw_lines.append(f"entries {count} / max {cmax}")
    raw_lines += [f"{v[1]}: {k} = {v[0]}" for k, v in settings.items() if "conntrack" in k]
    if udp is None or stream is None:
        return Result(
            Status.WARN,
            "conntrack is loaded but its UDP timeouts cannot be read",
            facts=facts,
            data=data,
            advice=[
                "Run as root, or read /proc/sys/net/netfilter/nf_conntrack_udp_timeout* by hand."
            ],
            raw="\n".join(raw_lines),
        )
    meets = stream >= GUIDE_STREAM and udp >= GUIDE_UDP
    facts["meets_guide"] = meets
    advice: list[str] = []
    status = Status.OK
    default_note = (
        f" (kernel {release} default {default_stream} s)" if default_stream is not None else ""
    )
    summary = f"UDP timeouts {udp} s / stream {stream} s{default_note}"
    differ = [
        settings[key][1]
        for key, held, running in ((STREAM_KEY, p_stream, stream), (UDP_KEY, p_udp, udp))
        if held is not None and held != running
    ]
    persist, edited = persist_lines(settings)
    if not meets:
        status = Status.FAIL
        summary += f"; below the guide's {GUIDE_UDP} / {GUIDE_STREAM} s"
        advice += FIX_LINES + persist
        if edited:
            advice.append(load_command(edited + differ))
        advice.append(
            "Signalling idles out first: in-dialog SIP may be silent for Session-Expires/2 "
            "(900 s for 1800) while RTP refreshes its entry every 20 ms."
        )
    elif not facts["persisted"]:
        status = Status.WARN
        summary += "; not persisted, lost at the next reboot"
        advice += [*persist, load_command(edited + differ)]
    else:
        summary += "; persisted"
    if differ:
        if status is Status.OK:
            status = Status.WARN
        command = load_command(edited + differ)
        summary += f" (persisted values differ from running ones: run {command})"
        if command not in advice:
            advice.append(command)
    if count is not None and cmax:
        share = count / cmax
        data["table_share"] = round(share, 4)
        if share >= 0.9:
            status = Status.FAIL
            summary += f"; conntrack table {share:.0%} full (new flows are dropped)"
            advice.append(f"echo {cmax * 2} > /proc/sys/net/netfilter/nf_conntrack_max")
    return Result(status, summary, facts=facts, data=data, advice=advice, raw="\n".join(raw_lines))
