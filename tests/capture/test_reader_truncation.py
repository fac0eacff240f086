"""A pcap cut mid-packet: the warning names the byte where the unfinished record starts."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest

from dropwizard.capture import analyse_file, reader
from dropwizard.capture.reader import CaptureReader
from dropwizard.cli import main

from .pcapbuild import LINK_ETH, call_messages, ipv4, link, udp, write_pcap

A, B = "192.0.2.10", "198.51.100.20"


def build(path: Path, count: int = 40) -> list[int]:
    """A pcap of `count` SIP-sized UDP packets; returns each record's byte offset."""
    packets = [
        (1_700_000_000 + i * 0.5, link(LINK_ETH, ipv4(A, B, 17, udp(5060, 5060, b"x" * (200 + i)))))
        for i in range(count)
    ]
    write_pcap(str(path), LINK_ETH, packets)
    return record_offsets(path.read_bytes())


def record_offsets(data: bytes) -> list[int]:
    """The byte offset of each record of a whole pcap."""
    offsets, pos = [], 24
    while pos < len(data):
        offsets.append(pos)
        pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
    assert pos == len(data)
    return offsets


def cut(path: Path, size: int, *, gz: bool) -> Path:
    data = path.read_bytes()[:size]
    out = path.with_name(f"cut-{size}.pcap" + (".gz" if gz else ""))
    out.write_bytes(gzip.compress(data) if gz else data)
    return out


def read_all(path: Path) -> tuple[int, list[str]]:
    with CaptureReader(str(path)) as r:
        n = sum(1 for _ in r.records())
        return n, r.warnings


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("chunk", [None, 1000], ids=["one-chunk", "many-chunks"])
def test_mid_packet_warning_gives_the_start_of_the_cut_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool, chunk: int | None
) -> None:
    if chunk:
        monkeypatch.setattr(reader, "CHUNK", chunk)
    offsets = build(tmp_path / "full.pcap")
    assert not chunk or offsets[-1] > 5 * chunk
    last = offsets[-1]
    size = last + 27  # the record header and 11 bytes of the last packet
    path = cut(tmp_path / "full.pcap", size, gz=gz)
    n, warnings = read_all(path)
    assert n == len(offsets) - 1
    mid = [w for w in warnings if "mid-packet" in w]
    assert mid == [
        f"file ends mid-packet at byte {last} (27 bytes of a last record): results so far"
    ]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_cut_inside_a_record_header(tmp_path: Path, gz: bool) -> None:
    offsets = build(tmp_path / "full.pcap", count=5)
    path = cut(tmp_path / "full.pcap", offsets[3] + 7, gz=gz)
    n, warnings = read_all(path)
    assert n == 3
    assert f"file ends mid-packet at byte {offsets[3]} (7 bytes of a last record)" in warnings[-1]


@pytest.mark.parametrize("chunk", [None, 1000], ids=["one-chunk", "many-chunks"])
def test_analyser_and_capture_command_report_the_same_byte(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    chunk: int | None,
) -> None:
    if chunk:
        monkeypatch.setattr(reader, "CHUNK", chunk)
    msgs = call_messages((A, 40000), (B, 50000))
    packets = [
        (1_700_000_000 + i, link(LINK_ETH, ipv4(A, B, 17, udp(5060, 5060, m))))
        for i, m in enumerate(msgs.values())
    ]
    full = tmp_path / "call.pcap"
    write_pcap(str(full), LINK_ETH, packets)
    data = full.read_bytes()
    offsets = record_offsets(data)
    path = cut(full, len(data) - 20, gz=False)
    expected = f"file ends mid-packet at byte {offsets[-1]} "
    result = analyse_file(str(path))
    assert any(w.startswith(expected) for w in result.warnings), result.warnings
    capsys.readouterr()
    assert main(["capture", str(path), "--format", "json"]) == 0
    assert expected in capsys.readouterr().out
