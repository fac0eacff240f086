"""Local probes: read-only, bounded checks of the VOS3000 host and the network around it.

Each probe family is one module with `probe(ProbeContext) -> Result`; `gatherers.py` wraps them as
the `probe.<name>` gatherers (docs/facts.md) and `dropwizard probe` runs them from the shell.

    from dropwizard.probes.gatherers import run_probe
    from dropwizard.probes.host import LocalHost, RecordedHost
    ev = run_probe("conntrack", host=LocalHost())           # Evidence
    ev = run_probe("firewall", host=RecordedHost("snap/"))   # a saved snapshot of another host

Probes only touch the machine through `host.Host` (run an argv with a timeout and an output cap,
read a file, list a directory, stat), so a snapshot or a remote host can stand in for `/`.
`dropwizard probe --save-snapshot DIR` records what the probes read and ran; `--root DIR` replays it.
Captures (rtp_flow, sip_capture, sip_flood) need root and tcpdump on the live host, or analyse a
given capture file.
"""
