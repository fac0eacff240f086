# Sourced by scripts/demo and scripts/test: make or reuse .venv and install the project into it.
# $1: the pip extras to install ("" or "[test]").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DROPWIZARD_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || {
    echo "could not create a virtual environment: on Debian/Ubuntu run 'apt-get install python3-venv'" >&2
    exit 2
  }
fi
extras="${1:-}"
stamp="$VENV/.dropwizard-installed$extras"
want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$extras"
  echo "$want" > "$stamp"
fi
