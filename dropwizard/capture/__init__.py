"""Capture analysis: SIP dialogs and RTP streams from pcap/pcapng files.

from dropwizard.capture import analyse_file
result = analyse_file("call.pcap")      # CaptureResult; raises CaptureError
result.calls, result.streams, result.options, result.findings, result.warnings
result.facts                            # the `capture.analysis` facts
result.to_dict()                        # the JSON of `dropwizard capture --format json`
"""

from __future__ import annotations

from dropwizard.capture.errors import CaptureError
from dropwizard.capture.result import STOP_THRESHOLD_S, CaptureResult

__all__ = ["STOP_THRESHOLD_S", "CaptureError", "CaptureResult", "analyse_file"]


def analyse_file(
    path: str, *, stop_threshold: float = STOP_THRESHOLD_S, flood_pps: int = 100
) -> CaptureResult:
    """Read a pcap/pcapng (optionally gzip) capture and analyse its calls and streams."""
    from dropwizard.capture.analyser import Analyser
    from dropwizard.capture.result import build

    an = Analyser(str(path), flood_pps=flood_pps)
    an.run()
    return build(an, stop_threshold)
