#!/usr/bin/env bash
# Create / update the Rasa venv (.venv-rasa, Python 3.10) from requirements-rasa.txt.
#
# Idempotent: the venv is created only when missing, and the requirements are installed
# only when requirements-rasa.txt changed since the last successful install (its sha256
# is kept in .venv-rasa/.requirements.sha256). Run from anywhere; paths are repo-relative.
#
# Environment:
#   PYTHON310   an explicit Python 3.10 interpreter (default: pyenv 3.10.13, then python3.10)
#   RASA_VENV   where the venv lives (default: <repo>/.venv-rasa)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
REQS="$ROOT/requirements-rasa.txt"
STAMP="$VENV/.requirements.sha256"

die() { echo "setup_rasa_env: $*" >&2; exit 1; }

# The venv is checked on its own: a PYTHONPATH with the repo root (train.sh sets one for
# Rasa's custom components) would show pip the app's dianxiaoer.egg-info and its pydantic-2
# requirements, and `pip check` would fail.
unset PYTHONPATH

[[ -f "$REQS" ]] || die "$REQS not found"

find_python310() {
    local candidate
    for candidate in \
        "${PYTHON310:-}" \
        "$(PYENV_VERSION=3.10.13 pyenv which python3.10 2>/dev/null || true)" \
        "$HOME/.pyenv/versions/3.10.13/bin/python3.10" \
        "$(command -v python3.10 2>/dev/null || true)"; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
    PY310="$(find_python310)" || die "Python 3.10 not found. Rasa 3.6 needs Python 3.10:
    install it (e.g. 'pyenv install 3.10.13') or point PYTHON310 at a python3.10 binary."
    echo "setup_rasa_env: creating $VENV with $PY310"
    "$PY310" -m venv "$VENV"
fi

"$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' \
    || die "$VENV is not a Python 3.10 venv; remove it and run again"

WANT="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "setup_rasa_env: $VENV is up to date"
    exit 0
fi

echo "setup_rasa_env: installing $REQS into $VENV"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "pip==26.3"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"

# Rasa 3.6 runs on TensorFlow; torch must never end up here.
if "$VENV/bin/python" -m pip show --quiet torch >/dev/null 2>&1; then
    die "torch got installed into $VENV; it must not be (check requirements-rasa.txt)"
fi
"$VENV/bin/python" -m pip check >/dev/null || die "pip check failed in $VENV"
"$VENV/bin/rasa" --version >/dev/null 2>&1 || die "rasa does not start in $VENV"

echo "$WANT" > "$STAMP"
echo "setup_rasa_env: done"
