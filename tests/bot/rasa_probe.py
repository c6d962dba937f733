"""Runs in .venv-rasa (Python 3.10, Rasa 3.6): exercises bot/components and prints JSON.

Called by tests/bot/test_components.py through a subprocess, since pytest runs in the
app's 3.11 venv, which has no Rasa::

    .venv-rasa/bin/python tests/bot/rasa_probe.py normalize '<json list of strings>'
    .venv-rasa/bin/python tests/bot/rasa_probe.py featurize '<json list of strings>'
    .venv-rasa/bin/python tests/bot/rasa_probe.py missing_model '<json list of paths>'

``normalize`` prints, per string, the normalised text (lower-cased and not) and the tokens
(text, start, end) of NormalizingJiebaTokenizer; ``featurize`` also the shapes and values
of E5OnnxFeaturizer's sentence and sequence features. Both components get the settings
config.yml gives them (defaults where it does not list them).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # config paths (bot/jieba_dict) are repo-relative, as for `rasa train`
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _context(name: str):  # type: ignore[no-untyped-def]
    from rasa.engine.graph import ExecutionContext, GraphSchema

    return ExecutionContext(GraphSchema({}), node_name=name)


def _configured(class_name: str) -> dict:  # type: ignore[type-arg]
    """config.yml's settings of the pipeline component named ``...<class_name>``."""
    import yaml

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    for entry in pipeline:
        if str(entry["name"]).rsplit(".", 1)[-1] == class_name:
            return {k: v for k, v in entry.items() if k != "name"}
    return {}


def _tokenizer(storage_dir: str):  # type: ignore[no-untyped-def]
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.components.tokenizer import NormalizingJiebaTokenizer

    config = {**NormalizingJiebaTokenizer.get_default_config(),
              "dictionary_path": "bot/jieba_dict",
              **_configured("NormalizingJiebaTokenizer")}
    return NormalizingJiebaTokenizer.create(
        config, LocalModelStorage(Path(storage_dir)), Resource("tokenizer"),
        _context("tokenizer"))


def _messages(texts: list[str], storage_dir: str):  # type: ignore[no-untyped-def]
    from rasa.shared.nlu.training_data.message import Message

    messages = [Message(data={"text": text}) for text in texts]
    _tokenizer(storage_dir).process(messages)
    return messages


def normalize(texts: list[str]) -> list[dict]:  # type: ignore[type-arg]
    from bot.components.normalization import normalize_preserving_length

    with tempfile.TemporaryDirectory() as storage:
        tokenizer = _tokenizer(storage)
        messages = _messages(texts, storage)
    return [{"text": text, "normalized": normalize_preserving_length(text),
             "normalized_cased": normalize_preserving_length(text, lowercase=False),
             "tokenizer_lowercase": tokenizer._config["lowercase"],
             "tokens": [[t.text, t.start, t.end] for t in message.get("text_tokens")]}
            for text, message in zip(texts, messages, strict=True)]


def featurize(texts: list[str]) -> list[dict]:  # type: ignore[type-arg]
    from bot.components.e5_featurizer import E5OnnxFeaturizer

    config = {**E5OnnxFeaturizer.get_default_config(), **_configured("E5OnnxFeaturizer")}
    featurizer = E5OnnxFeaturizer.create(config, None, None, _context("e5"))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as storage:
        messages = _messages(texts, storage)
    # one at a time and batched: padding must not change a message's features
    featurizer.process(messages[:1])
    single = messages[0].get_dense_features("text")
    batched_messages = _messages(texts, tempfile.mkdtemp())
    featurizer.process(batched_messages)
    out = []
    for text, message in zip(texts, batched_messages, strict=True):
        sequence, sentence = message.get_dense_features("text")
        out.append({"text": text,
                    "tokens": [[t.text, t.start, t.end] for t in message.get("text_tokens")],
                    "sequence_shape": list(sequence.features.shape),
                    "sentence_shape": list(sentence.features.shape),
                    "sentence_scale": featurizer.sentence_scale,
                    "sentence": sentence.features[0].tolist(),
                    "sequence": sequence.features.tolist()})
    out[0]["single_sentence"] = single[1].features[0].tolist()
    return out


def missing_model(paths: list[str]) -> list[str]:
    """The error E5OnnxFeaturizer raises for each model path that has no export."""
    from bot.components.e5_featurizer import E5OnnxFeaturizer

    errors = []
    for path in paths:
        config = {**E5OnnxFeaturizer.get_default_config(), "model_path": path}
        try:
            E5OnnxFeaturizer.create(config, None, None, _context("e5"))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            errors.append("no error")
    return errors


def action_validation(responses: list[dict]) -> dict:  # type: ignore[type-arg]
    """Each action server response judged by Rasa's own validation and by bot.action_validation
    (the verdict and the error message), and how often the schema was checked meanwhile."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    from bot import action_validation

    def verdicts(action: RemoteAction) -> list[list]:  # type: ignore[type-arg]
        out = []
        for response in responses:
            try:
                out.append([action._validate_action_result(response), ""])
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out.append([False, f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"])
        return out

    action = RemoteAction("action_probe", None)
    rasas = verdicts(action)
    action_validation.install()
    validator_class = validator_for(RemoteAction.action_response_format_spec())
    checks = {"n": 0}
    original_check = validator_class.check_schema

    def counting_check(schema):  # type: ignore[no-untyped-def]
        checks["n"] += 1
        return original_check(schema)

    validator_class.check_schema = counting_check  # type: ignore[method-assign]
    ours = verdicts(action)
    validator_class.check_schema = original_check  # type: ignore[method-assign]
    return {"rasa": rasas, "ours": ours, "schema_checks": checks["n"]}


def serve_argv(secrets: list[str]) -> list[str]:
    """The JWT secret Rasa's own CLI parser reads from bot.serve's argv, for each secret."""
    from rasa.__main__ import create_argument_parser

    from bot.serve import rasa_argv

    parser = create_argument_parser()
    return [parser.parse_args(rasa_argv(["--enable-api"], secret)[1:]).jwt_secret
            for secret in secrets]


if __name__ == "__main__":
    command, payload = sys.argv[1], json.loads(sys.argv[2])
    result = {"normalize": normalize, "featurize": featurize, "missing_model": missing_model,
              "action_validation": action_validation, "serve_argv": serve_argv}[command](payload)
    print("RESULT " + json.dumps(result, ensure_ascii=False))
