#!/usr/bin/env bash
# Check and evaluate the Rasa bot; every report goes to var/rasa/results/ (git-ignored).
#
#   bot/scripts/evaluate.sh [validate|nlu|core|all]     (default: all)
#
#   validate  rasa data validate (domain, data, config)
#   nlu       3-fold cross-validation of the NLU pipeline (intent + entity reports);
#             the folds are seeded, so two pipelines are compared on the same splits
#   core      the end-to-end test stories bot/tests/test_stories.yml against the trained
#             model (custom actions are only predicted, not run: no action server needed)
#
# Environment: CONFIG (default config.yml), FOLDS (3), RESULTS (var/rasa/results),
# MODEL (var/rasa/models/dianxiaoer.tar.gz), RASA_VENV (.venv-rasa), NLU_DATA (bot/data/nlu)
# and DOMAIN (bot/domain.yml) — point the last two at a copy of bot/ to compare pipelines
# on one data snapshot while bot/data is being edited.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

RASA_VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
CONFIG="${CONFIG:-config.yml}"
FOLDS="${FOLDS:-3}"
RESULTS="${RESULTS:-var/rasa/results}"
MODEL="${MODEL:-var/rasa/models/dianxiaoer.tar.gz}"
NLU_DATA="${NLU_DATA:-bot/data/nlu}"
DOMAIN="${DOMAIN:-bot/domain.yml}"
WHAT="${1:-all}"

export RASA_TELEMETRY_ENABLED=false
export RASA_CACHE_DIRECTORY="$ROOT/var/rasa/cache"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# config.yml's custom components (bot.components.*) are imported from the repo root
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

RASA="$RASA_VENV/bin/rasa"
[[ -x "$RASA" ]] || { echo "evaluate: $RASA missing: run bot/scripts/setup_rasa_env.sh" >&2; exit 1; }
mkdir -p "$RESULTS"

validate() {
    "$RASA" data validate --domain bot/domain.yml --data bot/data --config "$CONFIG" \
        2>&1 | tee "$RESULTS/validate.log"
}

nlu() {
    # Seed numpy's global RNG before Rasa draws the stratified folds (StratifiedKFold
    # with shuffle=True and no random_state), so every pipeline sees the same splits.
    "$RASA_VENV/bin/python" - "$CONFIG" "$FOLDS" "$RESULTS/nlu-cv" "$NLU_DATA" "$DOMAIN" <<'PY'
import sys
import numpy as np

config, folds, out, data, domain = sys.argv[1:6]
np.random.seed(2021)
sys.argv = ["rasa", "test", "nlu", "--nlu", data, "--config", config,
            "--domain", domain,
            "--cross-validation", "--folds", folds, "--out", out,
            "--successes"]  # intent_successes.json too: confidences for the fallback threshold
from rasa.__main__ import main

main()
PY
}

core() {
    [[ -f "$MODEL" ]] || { echo "evaluate: $MODEL missing: run bot/scripts/train.sh" >&2; exit 1; }
    "$RASA" test core --model "$MODEL" --stories bot/tests/test_stories.yml \
        --out "$RESULTS/core"
}

case "$WHAT" in
    validate) validate ;;
    nlu) nlu ;;
    core) core ;;
    all) validate; nlu; core ;;
    *) echo "usage: $0 [validate|nlu|core|all]" >&2; exit 2 ;;
esac
