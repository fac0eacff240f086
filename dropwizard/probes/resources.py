"""`resources`: load vs cores, memory and swap, disk, UDP receive errors and NIC drops from /proc."""

from __future__ import annotations

import re
import time
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.host import Host

MYSQL_CNF = ("/etc/my.cnf", "/etc/mysql/my.cnf", "/etc/mysql/mariadb.conf.d/50-server.cnf")


def parse_snmp_udp(text: str) -> dict[str, int]:
    """The `Udp:` counters of /proc/net/snmp (header line, then values)."""
    lines = [ln.split() for ln in text.splitlines() if ln.startswith("Udp:")]
    if len(lines) < 2:
        return {}
    head, vals = lines[0][1:], lines[1][1:]
    out: dict[str, int] = {}
    for k, v in zip(head, vals, strict=False):
        try:
            out[k] = int(v)
        except ValueError:
            continue
    return out


def parse_net_dev(text: str) -> dict[str, dict[str, int]]:
    """Per interface: rx/tx bytes, packets, errs, drop from /proc/net/dev."""
    out: dict[str, dict[str, int]] = {}
    for line in text.splitlines()[2:]:
        if ":" not in line:
            continue
        name, _, rest = line.partition(":")
        f = rest.split()
        if len(f) < 16:
            continue
        try:
            n = [int(x) for x in f[:16]]
        except ValueError:
            continue
        out[name.strip()] = {
            "rx_bytes": n[0],
            "rx_packets": n[1],
            "rx_errs": n[2],
            "rx_drop": n[3],
            "tx_bytes": n[8],
            "tx_packets": n[9],
            "tx_errs": n[10],
            "tx_drop": n[11],
        }
    return out


def parse_meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo values in kB."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"(\w+):\s+(\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def cores(host: Host) -> int | None:
    text = host.try_read("/proc/cpuinfo", 1024 * 1024)
    if text:
        n = len(re.findall(r"^processor\s*:", text, re.M))
        if n:
            return n
    online = host.try_read("/sys/devices/system/cpu/online", 256)
    if online:
        total = 0
        for part in online.strip().split(","):
            a, _, b = part.partition("-")
            if a.isdigit():
                total += (int(b) - int(a) + 1) if b.isdigit() else 1
        return total or None
    return None


def mysql_datadir(host: Host) -> str:
    for path in MYSQL_CNF:
        text = host.try_read(path, 256 * 1024)
        if text:
            m = re.search(r"^\s*datadir\s*=\s*(\S+)", text, re.M)
            if m:
                return m.group(1).strip("\"'")
    return "/var/lib/mysql"


def probe(pc: ProbeContext) -> Result:
    """Read /proc/loadavg, meminfo, net/snmp, net/dev and the disk usage of / and the MySQL datadir."""
    host, cfg = pc.host, pc.config
    facts: dict[str, Any] = {}
    data: dict[str, Any] = {}
    problems: list[str] = []
    advice: list[str] = []
    raw: list[str] = []
    load = host.try_read("/proc/loadavg", 256)
    ncpu = cores(host)
    if load:
        raw.append(f"/proc/loadavg: {load.strip()}")
        l1, l5, l15 = (float(x) for x in load.split()[:3])
        data["load"] = [l1, l5, l15]
        if ncpu:
            facts["load_per_core"] = round(l5 / ncpu, 3)
            data["cores"] = ncpu
            if facts["load_per_core"] > cfg.load_per_core:
                problems.append(f"load {l5:.1f} on {ncpu} cores")
                advice.append("top -b -n 1 | head -20   # what is using the CPU")
    mem_text = host.try_read("/proc/meminfo", 64 * 1024)
    if mem_text:
        mem = parse_meminfo(mem_text)
        total = mem.get("MemTotal")
        avail = mem.get("MemAvailable")
        if avail is None and total:
            avail = mem.get("MemFree", 0) + mem.get("Buffers", 0) + mem.get("Cached", 0)
        if total and avail is not None:
            facts["mem_available_share"] = round(avail / total, 4)
            data["mem_total_kb"], data["mem_available_kb"] = total, avail
            if facts["mem_available_share"] < cfg.mem_available_share:
                problems.append(f"memory {facts['mem_available_share']:.0%} available")
        if mem.get("SwapTotal"):
            used = mem["SwapTotal"] - mem.get("SwapFree", 0)
            data["swap_used_share"] = round(used / mem["SwapTotal"], 4)
            if data["swap_used_share"] > 0.5:
                problems.append(f"swap {data['swap_used_share']:.0%} used")
        raw.append(mem_text[:2000])
    disks: dict[str, Any] = {}
    datadir = mysql_datadir(host)
    for label, path in (("/", "/"), ("mysql", datadir)):
        du = host.disk_usage(path)
        if du and du.total:
            disks[label] = {
                "path": path,
                "total": du.total,
                "free": du.free,
                "free_share": round(du.free / du.total, 4),
            }
    if disks:
        facts["disk_free_share"] = min(d["free_share"] for d in disks.values())
        data["disk"] = disks
        if facts["disk_free_share"] < cfg.disk_free_share:
            problems.append(f"disk {facts['disk_free_share']:.0%} free")
            advice.append(
                "df -h; du -xsh /var/lib/mysql /home/kunshi/mbx3000/log   # MyISAM tables crash on a full disk"
            )
    snmp1 = host.try_read("/proc/net/snmp", 64 * 1024)
    if snmp1:
        udp1 = parse_snmp_udp(snmp1)
        if "RcvbufErrors" in udp1:
            facts["udp_rcvbuf_errors"] = udp1["RcvbufErrors"]
            data["udp"] = udp1
            if cfg.udp_sample_s > 0:
                time.sleep(min(cfg.udp_sample_s, 5.0))
                udp2 = parse_snmp_udp(host.try_read("/proc/net/snmp", 64 * 1024) or "")
                delta = {k: udp2.get(k, v) - v for k, v in udp1.items()}
                data["udp_delta"] = delta
                data["udp_delta_seconds"] = cfg.udp_sample_s
                if delta.get("RcvbufErrors", 0) > 0 or delta.get("InErrors", 0) > 0:
                    problems.append(
                        f"UDP receive errors now ({delta.get('RcvbufErrors', 0)} buffer, "
                        f"{delta.get('InErrors', 0)} total in {cfg.udp_sample_s:g} s): RTP is dropped"
                    )
                    advice += [
                        "sysctl -w net.core.rmem_max=16777216",
                        "sysctl -w net.core.rmem_default=1048576",
                    ]
        raw.append("\n".join(ln for ln in snmp1.splitlines() if ln.startswith("Udp:")))
    dev = host.try_read("/proc/net/dev", 256 * 1024)
    if dev:
        nics = parse_net_dev(dev)
        data["nics"] = nics
        bad = {n: v for n, v in nics.items() if n != "lo" and (v["rx_errs"] or v["tx_errs"])}
        if bad:
            data["nic_errors"] = list(bad)
            problems.append("NIC errors on " + ", ".join(bad))
            advice.append("ethtool -S IFACE | grep -iE 'err|drop'   # cabling, duplex, ring buffer")
        raw.append(dev)
    if not facts:
        return Result(Status.SKIPPED, "no /proc on this host: nothing to read", raw="\n".join(raw))
    facts["exhausted"] = bool(problems)
    parts = []
    if "load_per_core" in facts:
        parts.append(f"load/core {facts['load_per_core']:.2f}")
    if "mem_available_share" in facts:
        parts.append(f"mem avail {facts['mem_available_share']:.0%}")
    if "disk_free_share" in facts:
        parts.append(f"disk free {facts['disk_free_share']:.0%}")
    if "udp_rcvbuf_errors" in facts:
        parts.append(f"UDP rcvbuf errors {facts['udp_rcvbuf_errors']} since boot")
    summary = ", ".join(parts)
    if problems:
        summary = "; ".join(problems) + " (" + summary + ")"
    severe = any(p.startswith(("disk", "memory")) for p in problems)
    status = Status.FAIL if severe else Status.WARN if problems else Status.OK
    return Result(status, summary, facts=facts, data=data, advice=advice, raw="\n".join(raw))
