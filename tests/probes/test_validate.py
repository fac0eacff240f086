"""User-given values are checked before use, with one clear line."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropwizard.errors import InputError
from dropwizard.probes.validate import (
    parse_interface,
    parse_ip,
    parse_port_range,
    parse_ports,
    parse_target,
)


@pytest.mark.parametrize("bad", ["300.1.1.1", "10.0.0", "1.2.3.4; rm -rf /", "", "eth0", "::g"])
def test_invalid_ip_is_a_clear_error(bad: str) -> None:
    with pytest.raises(InputError, match="invalid endpoint address"):
        parse_ip(bad, "endpoint address")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.10", ("192.0.2.10", 5060)),
        ("192.0.2.10:5080", ("192.0.2.10", 5080)),
        ("sip:192.0.2.10:6060", ("192.0.2.10", 6060)),
        ("[2001:db8::1]:5062", ("2001:db8::1", 5062)),
        ("2001:db8::1", ("2001:db8::1", 5060)),
        ("sbc.example.net", ("sbc.example.net", 5060)),
        ("localhost:5070", ("localhost", 5070)),
    ],
)
def test_targets(text: str, expected: tuple[str, int]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    "bad", ["192.0.2.10:0", "192.0.2.10:70000", "host:abc", "-bad.example", "a b", ":5060", "[::1"]
)
def test_bad_targets(bad: str) -> None:
    with pytest.raises(InputError):
        parse_target(bad)


@given(st.ip_addresses(), st.integers(1, 65535))
def test_any_address_and_port_round_trips(addr: ipaddress.IPv4Address, port: int) -> None:
    text = f"[{addr}]:{port}" if addr.version == 6 else f"{addr}:{port}"
    assert parse_target(text) == (str(addr), port)


@given(st.text(max_size=40))
def test_target_parser_never_crashes(text: str) -> None:
    try:
        host, port = parse_target(text)
    except InputError as exc:
        assert "\n" not in exc.message
    else:
        assert 1 <= port <= 65535 and host


def test_interfaces() -> None:
    assert parse_interface("any") == "any"
    assert parse_interface("eth0", ["eth0", "lo"]) == "eth0"
    with pytest.raises(InputError, match=r"no interface 'eth9'.*eth0, lo"):
        parse_interface("eth9", ["eth0", "lo"])
    for bad in ("eth0; reboot", "a" * 16, "", "-i", "../x"):
        with pytest.raises(InputError, match="invalid interface"):
            parse_interface(bad)


def test_ranges_and_port_lists() -> None:
    assert parse_port_range("10000-60000") == (10000, 60000)
    assert parse_port_range("10000:49999") == (10000, 49999)
    assert parse_port_range([20000, 30000]) == (20000, 30000)
    assert parse_ports("5060, 6060 5060") == [5060, 6060]
    for bad in ("60000-10000", "1-70000", "x"):
        with pytest.raises(InputError):
            parse_port_range(bad)
