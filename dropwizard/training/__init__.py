"""Training mode: recorded scenarios, a judged walk of the real flow, scoring and a glossary."""
