"""Session transcripts: the append-only event log, session files, exports.

`log` writes and reads the JSON-lines events (docs/transcript.md), `sessions` finds session
files, `export` renders a ticket, Markdown or JSON, `redact` keeps secrets and phone numbers out,
`atomic` writes exports safely.
"""
