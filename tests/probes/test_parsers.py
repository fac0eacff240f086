"""Parsers of host text never crash on arbitrary input and keep what they can read."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dropwizard.probes.conntrack import parse_sysctl
from dropwizard.probes.firewall import parse_iptables, parse_nft, port_state
from dropwizard.probes.resources import parse_meminfo, parse_net_dev, parse_snmp_udp
from dropwizard.probes.rtp_ports import udp_local_ports
from dropwizard.probes.services import parse_systemctl_show
from dropwizard.probes.tcpdump import parse_counters

lines = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "*filter",
                ":INPUT DROP [0:0]",
                "-A INPUT -p udp --dport 5060 -j ACCEPT",
                '-A INPUT -m comment --comment "x y" -j DROP',
                "-A INPUT ! -p udp -j RETURN",
                "COMMIT",
                "table inet f {",
                "chain input {",
                "type filter hook input priority 0; policy drop;",
                "udp dport { 5060, 7000-7100 } accept",
                "}",
            ]
        ),
    ),
    max_size=30,
)


@settings(max_examples=150)
@given(lines)
def test_rule_parsers_never_crash(ls: list[str]) -> None:
    text = "\n".join(ls)
    for chains in parse_iptables(text).values():
        for name in chains:
            assert port_state(chains, name, 5060) in ("open", "partial", "closed")
    chains, inputs = parse_nft(text)
    for name in inputs:
        assert port_state(chains, name, 7050) in ("open", "partial", "closed")


@given(st.text(max_size=400))
def test_text_parsers_never_crash(text: str) -> None:
    parse_sysctl(text)
    parse_meminfo(text)
    parse_net_dev(text)
    parse_snmp_udp(text)
    udp_local_ports(text)
    parse_systemctl_show(text)
    parse_counters(text)


def test_known_outputs() -> None:
    assert parse_counters(
        "listening on lo\n12 packets captured\n30 packets received by filter\n2 packets dropped by kernel\n"
    ) == {"captured": 12, "received_by_filter": 30, "dropped_by_kernel": 2}
    snmp = "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdp: 10 1 5 9 4\n"
    assert parse_snmp_udp(snmp)["RcvbufErrors"] == 4
    assert udp_local_ports("hdr\n 0: 0100007F:13C4 00000000:0000 07\n 1: bad\n") == [5060]
