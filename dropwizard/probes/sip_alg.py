"""`sip_alg`: is a Linux conntrack SIP helper (nf_conntrack_sip / nf_nat_sip) rewriting signalling?"""

from __future__ import annotations

import re
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result, kernel_release, kernel_version, read_int
from dropwizard.probes.host import ROOT_HINT, Host

MODULES = ("nf_conntrack_sip", "nf_nat_sip", "ip_conntrack_sip", "ip_nat_sip")
HELPER_SYSCTL = "/proc/sys/net/netfilter/nf_conntrack_helper"
_IPT_HELPER = re.compile(r"--helper\s+\"?sip|-m\s+helper\b.*\bsip", re.I)
_NFT_HELPER = re.compile(r"ct\s+helper\s+set\b|type\s+\"sip\"", re.I)

ADVICE = [
    "Disable the SIP helper and let VOS3000's media proxy handle NAT:",
    "modprobe -r nf_nat_sip nf_conntrack_sip",
    'echo "blacklist nf_nat_sip" >> /etc/modprobe.d/no-sip-alg.conf',
    'echo "blacklist nf_conntrack_sip" >> /etc/modprobe.d/no-sip-alg.conf',
    'Remove any CT helper rule (iptables -t raw ... -j CT --helper sip, nft ct helper set "sip").',
    'Switch off "SIP ALG" on routers and firewalls in the path as well.',
]


def present_modules(host: Host) -> dict[str, str]:
    """SIP helper modules that are loaded (/proc/modules) or built in (/sys/module)."""
    found: dict[str, str] = {}
    modules = host.try_read("/proc/modules", 512 * 1024) or ""
    for line in modules.splitlines():
        name = line.split(" ", 1)[0]
        if name in MODULES:
            found[name] = "loaded"
    for name in MODULES:
        if name not in found and host.exists(f"/sys/module/{name}"):
            found[name] = (
                "built in" if not host.exists(f"/sys/module/{name}/initstate") else "loaded"
            )
    return found


def auto_assign(host: Host, version: tuple[int, int] | None) -> tuple[bool | None, str]:
    """Does the kernel attach helpers to port 5060 by itself? (value, why)."""
    value = read_int(host, HELPER_SYSCTL)
    if value is not None:
        return value == 1, f"net.netfilter.nf_conntrack_helper = {value}"
    if version is None:
        return None, "kernel version unknown"
    if version >= (6, 0):
        return False, "automatic helper assignment was removed in Linux 6.0"
    if version < (3, 5):
        return True, "kernels before 3.5 always assign helpers automatically"
    return None, "net.netfilter.nf_conntrack_helper not readable"


def probe(pc: ProbeContext) -> Result:
    """Look for nf_conntrack_sip / nf_nat_sip and for rules that attach a SIP helper."""
    host = pc.host
    release = kernel_release(host)
    version = kernel_version(release)
    mods = present_modules(host)
    auto, auto_why = auto_assign(host, version)
    rules: list[str] = []
    raw: list[str] = []
    rules_known = False
    unreadable: list[str] = []
    if host.which("iptables-save"):
        res = pc.run(["iptables-save"])
        raw.append(res.raw())
        if res.ok:
            rules_known = True
            rules += [ln for ln in res.stdout.splitlines() if _IPT_HELPER.search(ln)]
        else:
            unreadable.append("iptables-save")
    if host.which("nft"):
        res = pc.run(["nft", "list", "ruleset"])
        raw.append(res.raw())
        if res.ok:
            rules_known = True
            rules += [ln.strip() for ln in res.stdout.splitlines() if _NFT_HELPER.search(ln)]
        else:
            unreadable.append("nft")
    ports_text = host.try_read("/sys/module/nf_conntrack_sip/parameters/ports", 256)
    data: dict[str, Any] = {
        "kernel": release,
        "modules": mods,
        "auto_assign": auto,
        "auto_assign_why": auto_why,
        "helper_rules": rules,
    }
    if ports_text and ports_text.strip():
        data["helper_ports"] = ports_text.strip()
    facts: dict[str, Any] = {}
    if not mods:
        facts["loaded"] = False
        return Result(
            Status.OK,
            "no conntrack SIP helper module on this host",
            facts=facts,
            data=data,
            advice=['Check routers and firewalls in the path for a "SIP ALG" setting.'],
            raw="\n".join(raw),
        )
    names = ", ".join(f"{k} ({v})" for k, v in mods.items())
    if rules or auto:
        facts["loaded"] = True
        how = "attached by rules" if rules else f"assigned automatically ({auto_why})"
        return Result(
            Status.FAIL,
            f"SIP helper active: {names}, {how}",
            facts=facts,
            data=data,
            advice=ADVICE,
            raw="\n".join(raw),
        )
    if rules_known and auto is False:
        facts["loaded"] = False
        return Result(
            Status.OK,
            f"{names} present but inactive: no rule attaches it and {auto_why}",
            facts=facts,
            data=data,
            raw="\n".join(raw),
        )
    need = ROOT_HINT if not host.is_root() else "iptables-save or nft to read the rules"
    return Result(
        Status.WARN,
        f"{names} present; cannot tell whether it is attached ({need})",
        facts=facts,
        data={**data, "unreadable": unreadable},
        advice=[need, *ADVICE],
        raw="\n".join(raw),
    )
