"""`firewall`: does the ruleset (iptables-save, nft list ruleset) let SIP and RTP in, unthrottled?

The evaluation is deliberately simple: new inbound UDP to a port walks the INPUT path; a rule that
depends on the source address or interface opens the port only for some peers ("partial").

VOS3000 signals and carries media over IPv4, so the verdict comes from the IPv4 path: iptables-save
and the nft `ip` and `inet` tables (an `inet` rule that matches only IPv6 is skipped). The IPv6
path (ip6tables-save, nft `ip6` and `inet` tables) is evaluated the same way and reported as
information: a host that drops all IPv6 is no fault of the switch.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result, skipped_missing, skipped_root
from dropwizard.probes.host import RunResult
from dropwizard.probes.vos_config import rtp_range, sip_ports

LIMIT_MODULES = {"limit", "hashlimit", "recent", "connlimit"}
PortSpec = list[tuple[int, int]]


@dataclass
class Rule:
    """One rule reduced to what matters for inbound UDP to a port."""

    text: str
    proto: str | None = None
    ports: PortSpec | None = None
    negated_ports: bool = False
    conditional: bool = False
    never: bool = False
    new_ok: bool = True
    limited: bool = False
    target: str = ""
    packets: int | None = None
    family: str | None = None
    """`ipv4` or `ipv6` when the rule matches only that family (nft `inet` tables)."""

    def port_match(self, port: int) -> bool | None:
        """True/False when the rule decides on the port, None when it does not look at ports."""
        if self.ports is None:
            return None
        inside = any(lo <= port <= hi for lo, hi in self.ports)
        return not inside if self.negated_ports else inside

    def udp(self) -> bool:
        return self.proto in (None, "udp", "17", "all")

    def touches(self, ranges: PortSpec) -> bool:
        if self.ports is None or self.negated_ports:
            return False
        return any(lo <= h and l2 <= hi for lo, hi in self.ports for l2, h in ranges)


@dataclass
class Chain:
    policy: str = "RETURN"
    rules: list[Rule] = field(default_factory=list)


def _ports(text: str) -> PortSpec:
    out: PortSpec = []
    for part in re.split(r"[,\s{}]+", text):
        m = re.fullmatch(r"(\d+)(?:[:-](\d+))?", part)
        if m:
            lo = int(m.group(1))
            out.append((lo, int(m.group(2)) if m.group(2) else lo))
    return out


def parse_iptables(text: str) -> dict[str, dict[str, Chain]]:
    """`iptables-save [-c]` output -> table -> chain -> Chain."""
    tables: dict[str, dict[str, Chain]] = {}
    table: dict[str, Chain] | None = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("*"):
            table = tables.setdefault(s[1:], {})
            continue
        if table is None or not s or s.startswith("#") or s == "COMMIT":
            continue
        if s.startswith(":"):
            parts = s[1:].split()
            if parts:
                table.setdefault(parts[0], Chain()).policy = (
                    parts[1] if len(parts) > 1 and parts[1] != "-" else "RETURN"
                )
            continue
        packets = None
        m = re.match(r"\[(\d+):(\d+)\]\s*(.*)", s)
        if m:
            packets, s = int(m.group(1)), m.group(3)
        try:
            tok = shlex.split(s)
        except ValueError:
            tok = s.split()
        if len(tok) < 2 or tok[0] not in ("-A", "--append"):
            continue
        rule = Rule(text=s, packets=packets)
        neg = False
        i = 2
        while i < len(tok):
            t = tok[i]
            nxt = tok[i + 1] if i + 1 < len(tok) else ""
            if t == "!":
                neg = True
                i += 1
                continue
            if t in ("-p", "--protocol"):
                rule.proto = ("!" if neg else "") + nxt.lower()
                i += 1
            elif t in ("-s", "--source", "-d", "--destination"):
                if nxt not in ("0.0.0.0/0", "::/0"):
                    rule.conditional = True
                i += 1
            elif t in ("-i", "--in-interface"):
                if nxt == "lo" and not neg:
                    rule.never = True
                else:
                    rule.conditional = True
                i += 1
            elif t in ("--dport", "--destination-port", "--dports", "--destination-ports"):
                rule.ports = _ports(nxt)
                rule.negated_ports = neg
                i += 1
            elif t in ("--sport", "--source-port", "--sports", "--match-set", "--src-range"):
                rule.conditional = True
                i += 1
            elif t in ("--state", "--ctstate"):
                states = {x.upper() for x in nxt.split(",")}
                rule.new_ok = ("NEW" in states) != neg
                i += 1
            elif t in ("-m", "--match"):
                if nxt in LIMIT_MODULES:
                    rule.limited = True
                    rule.conditional = True
                i += 1
            elif t in ("-j", "--jump", "-g", "--goto"):
                rule.target = nxt
                i += 1
            neg = False
            i += 1
        table.setdefault(tok[1], Chain()).rules.append(rule)
    return tables


_NFT_CHAIN = re.compile(r"^\s*chain\s+(\S+)\s*\{")
_NFT_TABLE = re.compile(r"^\s*table\s+(\S+)\s+(\S+)\s*\{")
NFT_FAMILIES = {"ipv4": ("ip", "inet"), "ipv6": ("ip6", "inet")}
"""The nft table families whose input hooks see each IP version's packets."""
_ONLY_V6 = re.compile(r"\bip6\s+\w+|\bnfproto\s+ipv6\b|\bicmpv6\b|\bipv6-icmp\b")
_ONLY_V4 = re.compile(
    r"(?<![\w-])ip\s+(saddr|daddr|protocol|version|dscp|ttl|length)\b"
    r"|\bnfproto\s+ipv4\b|\bicmp\b"
)


def parse_nft(
    text: str, skip_tables: set[str] | None = None, family: str = "ipv4"
) -> tuple[dict[str, Chain], list[str]]:
    """`nft list ruleset` -> chains by `family table chain`, and the names of input-hook chains.

    Only the tables that see `family` packets are read (`ip`/`ip6` and `inet`); in `inet` tables a
    rule that matches only the other family is left out.
    """
    chains: dict[str, Chain] = {}
    inputs: list[str] = []
    table = ""
    current: Chain | None = None
    cur_name = ""
    skip = False
    for line in text.splitlines():
        s = line.strip()
        m = _NFT_TABLE.match(line)
        if m:
            table = f"{m.group(1)} {m.group(2)}"
            skip = bool(skip_tables and table in skip_tables) or (
                m.group(1) not in NFT_FAMILIES[family]
            )
            current = None
            continue
        m = _NFT_CHAIN.match(line)
        if m:
            cur_name = f"{table} {m.group(1)}"
            current = None if skip else chains.setdefault(cur_name, Chain(policy="RETURN"))
            continue
        if current is None or not s or s == "}" or s.startswith("#"):
            continue
        if s.startswith("type "):
            if re.search(r"\bhook\s+(input|prerouting)\b", s) and "type filter" in s:
                inputs.append(cur_name)
                pm = re.search(r"policy\s+(\w+)", s)
                current.policy = (pm.group(1) if pm else "accept").upper()
            continue
        rule = _nft_rule(s, table)
        if rule.family in (None, family):
            current.rules.append(rule)
    return chains, inputs


def _nft_rule(s: str, table: str) -> Rule:
    rule = Rule(text=s)
    body = re.sub(r"\bcomment\s+\"[^\"]*\"", "", s)
    if _ONLY_V6.search(body):
        rule.family = "ipv6"
    elif _ONLY_V4.search(body):
        rule.family = "ipv4"
    m = re.search(r"counter packets (\d+)", body)
    if m:
        rule.packets = int(m.group(1))
    pm = re.search(r"\b(udp|tcp|th)\s+dport\s+(!=\s*)?(\{[^}]*\}|\S+)", body)
    if pm:
        rule.proto = {"th": None}.get(pm.group(1), pm.group(1))
        if pm.group(3).startswith("@"):
            rule.conditional = True
        else:
            rule.ports = _ports(pm.group(3))
            rule.negated_ports = bool(pm.group(2))
    elif re.search(r"\b(tcp|icmp|icmpv6)\b", body) and not re.search(r"\budp\b", body):
        rule.proto = "other"
    lp = re.search(r"meta\s+l4proto\s+(\w+)", body)
    if lp and rule.proto is None:
        rule.proto = lp.group(1)
    if re.search(r"\biifname\s+\"?lo\"?(\s|$)", body) or re.search(r"\biif\s+\"?lo\"?(\s|$)", body):
        rule.never = True
    elif re.search(r"\b(iif|iifname|saddr|sport)\b", body):
        rule.conditional = True
    st = re.search(r"ct\s+state\s+(!=\s*)?(\{[^}]*\}|\S+)", body)
    if st:
        states = {x.strip().lower() for x in re.split(r"[,{}\s]+", st.group(2)) if x.strip()}
        rule.new_ok = ("new" in states) != bool(st.group(1))
    if re.search(r"\blimit\s+rate\b|\bmeter\b|\bct\s+count\b", body):
        rule.limited = True
        rule.conditional = True
    vm = re.search(
        r"\b(accept|drop|reject|return|jump|goto|continue|queue)\b(?:\s+(\S+))?\s*$", body
    )
    if vm:
        verb = vm.group(1).upper()
        rule.target = f"{table} {vm.group(2)}" if verb in ("JUMP", "GOTO") and vm.group(2) else verb
    return rule


def verdict(chains: dict[str, Chain], chain: str, port: int, depth: int = 0) -> tuple[str, bool]:
    """(ACCEPT|DROP|REJECT|RETURN, partial) for new inbound UDP to `port` entering `chain`."""
    partial = False
    c = chains.get(chain)
    if c is None or depth > 16:
        return "RETURN", partial
    for r in c.rules:
        if r.never or not r.udp() or not r.new_ok:
            continue
        if r.port_match(port) is False:
            continue
        target = (
            r.target.upper()
            if r.target.upper() in ("ACCEPT", "DROP", "REJECT", "RETURN")
            else r.target
        )
        if target in ("", "LOG", "CONTINUE", "COUNTER"):
            continue
        if target not in ("ACCEPT", "DROP", "REJECT", "RETURN"):
            sub, sub_partial = verdict(chains, target, port, depth + 1)
            if sub == "RETURN":
                partial = partial or sub_partial
                continue
            target = sub
            partial = partial or sub_partial
        if r.conditional:
            if target == "ACCEPT":
                partial = True
            continue
        return target, partial
    return (c.policy.upper() if c.policy else "RETURN"), partial


def port_state(chains: dict[str, Chain], entry: str, port: int) -> str:
    """`open`, `partial` (open for some sources only) or `closed`."""
    v, partial = verdict(chains, entry, port)
    if v in ("ACCEPT", "RETURN"):
        return "open"
    return "partial" if partial else "closed"


def _points(rules: list[Rule], lo: int, hi: int) -> list[int]:
    pts = {lo, hi}
    for r in rules:
        for a, b in r.ports or []:
            for p in (a - 1, a, b, b + 1):
                if lo <= p <= hi:
                    pts.add(p)
    return sorted(pts)


Ruleset = tuple[str, dict[str, Chain], list[str]]
"""(name, chains, entry chains) of one ruleset an inbound packet walks."""

SAVE_TOOLS = {"ipv4": "iptables-save", "ipv6": "ip6tables-save"}


def read_rulesets(
    pc: ProbeContext, family: str, nft: RunResult | None
) -> tuple[list[Ruleset], list[str], list[str]]:
    """The rulesets `family` packets walk: (rulesets, raw outputs, failures).

    `nft` is the result of `nft list ruleset` (run once for both families), or None without nft.
    """
    host = pc.host
    rulesets: list[Ruleset] = []
    raw: list[str] = []
    failures: list[str] = []
    saved: set[str] = set()
    tool = SAVE_TOOLS[family]
    nft_family = NFT_FAMILIES[family][0]
    if host.which(tool) is not None:
        res = pc.run([tool, "-c"])
        raw.append(res.raw())
        if res.ok:
            tables = parse_iptables(res.stdout)
            saved = {f"{nft_family} {t}" for t in tables}
            prefix = tool.removesuffix("-save")
            for tname, entry in (
                ("raw", "PREROUTING"),
                ("mangle", "PREROUTING"),
                ("filter", "INPUT"),
            ):
                if entry in tables.get(tname, {}):
                    rulesets.append((f"{prefix} {tname}", tables[tname], [entry]))
        else:
            failures.append(_failure(res))
    if nft is not None:
        raw.append(nft.raw())
        if nft.ok:
            chains, inputs = parse_nft(nft.stdout, skip_tables=saved, family=family)
            if inputs:
                rulesets.append(("nft" if family == "ipv4" else "nft ipv6", chains, inputs))
        else:
            failures.append(_failure(nft))
    return rulesets, raw, failures


def _failure(res: RunResult) -> str:
    return res.describe() + (f": {res.stderr.strip()[:200]}" if res.stderr else "")


@dataclass
class Assessment:
    """What one IP version's rulesets do to the SIP ports and the RTP range."""

    sip_state: dict[int, str]
    rtp_closed: list[int]
    limited: list[str]
    drops: list[Rule]
    rtp_checked: int = 0
    """How many ports of the RTP range were checked (its edges and each rule's edges)."""

    @property
    def rtp_blocked(self) -> str:
        """`blocked` when every checked RTP port is closed, `blocked in part` when some are."""
        if self.rtp_checked and len(self.rtp_closed) >= self.rtp_checked:
            return "blocked"
        return "blocked in part"

    @property
    def dropped_packets(self) -> int:
        return sum(r.packets or 0 for r in self.drops)


def assess(rulesets: list[Ruleset], sips: list[int], rlo: int, rhi: int) -> Assessment:
    """Walk every ruleset for each SIP port and the edges of the RTP range."""
    voip: PortSpec = [(p, p) for p in sips] + [(rlo, rhi)]

    def state(port: int) -> str:
        worst_state = "open"
        for _name, chains, entries in rulesets:
            for entry in entries:
                s = port_state(chains, entry, port)
                if s == "closed":
                    return "closed"
                if s == "partial":
                    worst_state = "partial"
        return worst_state

    all_rules = [r for _n, chains, _e in rulesets for c in chains.values() for r in c.rules]
    rtp_points = {p: state(p) for p in _points(all_rules, rlo, rhi)}
    return Assessment(
        sip_state={p: state(p) for p in sips},
        rtp_closed=[p for p, st in rtp_points.items() if st == "closed"],
        limited=[
            r.text
            for r in all_rules
            if r.limited and r.udp() and (r.touches(voip) or r.ports is None)
        ],
        drops=[
            r
            for r in all_rules
            if r.target.upper() in ("DROP", "REJECT") and r.udp() and r.touches(voip)
        ],
        rtp_checked=len(rtp_points),
    )


def _ipv6_note(a: Assessment, rlo: int, rhi: int) -> str:
    closed = [str(p) for p, st in a.sip_state.items() if st == "closed"]
    if not closed and not a.rtp_closed:
        return "IPv6 open to SIP and RTP"
    what = [f"SIP {', '.join(closed)}"] if closed else []
    if a.rtp_closed:
        what.append(f"RTP {rlo}-{rhi}" + ("" if a.rtp_blocked == "blocked" else " in part"))
    return f"IPv6 blocks {' and '.join(what)} (information only: VOS3000 uses IPv4)"


def probe(pc: ProbeContext) -> Result:
    """Read iptables-save -c, ip6tables-save -c and nft list ruleset; check SIP and RTP ports."""
    host = pc.host
    sips, sip_from = sip_ports(host, pc.config)
    (rlo, rhi), rtp_from = rtp_range(host, pc.config)
    if host.which("iptables-save") is None and host.which("nft") is None:
        return skipped_missing("iptables-save", pc.host, data={"also_missing": "nft"})
    nft = pc.run(["nft", "list", "ruleset"]) if host.which("nft") is not None else None
    rulesets, raw, failures = read_rulesets(pc, "ipv4", nft)
    if failures and not rulesets:
        if not host.is_root():
            return skipped_root(
                "iptables-save and nft need root to read the ruleset", raw="\n".join(raw)
            )
        return Result(
            Status.ERROR, "could not read the ruleset: " + "; ".join(failures), raw="\n".join(raw)
        )
    rulesets6, raw6, failures6 = read_rulesets(pc, "ipv6", nft)
    raw += [r for r in raw6 if r not in raw]
    a = assess(rulesets, sips, rlo, rhi)
    facts: dict[str, Any] = {
        "sip_open": all(st != "closed" for st in a.sip_state.values()),
        "rtp_open": not a.rtp_closed,
        "rate_limited": bool(a.limited),
        "drops_on_voip": bool(a.drops),
    }
    data: dict[str, Any] = {
        "rulesets": [n for n, _c, _e in rulesets],
        "sip_ports": {str(p): st for p, st in a.sip_state.items()},
        "sip_ports_from": sip_from,
        "rtp_range": [rlo, rhi],
        "rtp_range_from": rtp_from,
        "rtp_closed_ports": a.rtp_closed[:20],
        "rate_limit_rules": a.limited,
        "drop_rules": [r.text for r in a.drops],
        "dropped_packets": a.dropped_packets,
        "unreadable": failures + [f for f in failures6 if f not in failures],
    }
    parts: list[str] = []
    if not rulesets:
        parts.append("no firewall rules loaded: SIP and RTP are not filtered here")
    else:
        parts.append("SIP " + ", ".join(f"{p} {st}" for p, st in a.sip_state.items()))
        parts.append(f"RTP {rlo}-{rhi} {'open' if not a.rtp_closed else a.rtp_blocked}")
    if rulesets6:
        a6 = assess(rulesets6, sips, rlo, rhi)
        data["ipv6"] = {
            "rulesets": [n for n, _c, _e in rulesets6],
            "sip_ports": {str(p): st for p, st in a6.sip_state.items()},
            "rtp_closed_ports": a6.rtp_closed[:20],
        }
        parts.append(_ipv6_note(a6, rlo, rhi))
    advice: list[str] = []
    status = Status.OK
    if not facts["sip_open"]:
        status = Status.FAIL
        advice += [
            f"iptables -I INPUT -p udp --dport {p} -j ACCEPT"
            for p, st in a.sip_state.items()
            if st == "closed"
        ]
    if a.rtp_closed:
        status = Status.FAIL
        advice.append(f"iptables -I INPUT -p udp --dport {rlo}:{rhi} -j ACCEPT")
    if a.limited:
        status = Status.FAIL if status is Status.FAIL else Status.WARN
        parts.append(f"{len(a.limited)} rate-limit rule(s) on VoIP traffic")
        advice.append("Rate limits on SIP/RTP drop packets under load: raise or remove them.")
    if a.drops:
        status = Status.FAIL if status is Status.FAIL else Status.WARN
        parts.append(f"{len(a.drops)} drop rule(s) on VoIP ports ({a.dropped_packets} packets)")
    if advice:
        advice.append(
            "Persist with: iptables-save > /etc/sysconfig/iptables (CentOS) or netfilter-persistent save (Debian)"
        )
    return Result(
        status, "; ".join(parts), facts=facts, data=data, advice=advice, raw="\n".join(raw)
    )
