"""Building with the onnxruntime backend: the same manifest as with sentence-transformers,
the same vectors, and a progress bar in the terminal."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.build import build_from_units, tokenizer_for, units_for
from retrieval.embedder import Embedder


def test_an_onnx_build_matches_a_torch_build_and_shows_progress(  # type: ignore[no-untyped-def]
        knowledge, embedder, model_dir, capsys: pytest.CaptureFixture[str]) -> None:
    onnx = Embedder(str(model_dir), backend="onnx")
    assert (onnx.backend, embedder.backend) == ("onnx", "torch")
    units = units_for(knowledge.chunks()[:6])
    tokenizer = tokenizer_for(knowledge)
    built = build_from_units(units, onnx, tokenizer, {}, show_progress=True)
    bar = capsys.readouterr().err
    assert "Batches (onnx)" in bar and f"{len(units)}/{len(units)}" in bar
    reference = build_from_units(units, embedder, tokenizer, {}, show_progress=False)
    assert built.manifest.model_fingerprint == reference.manifest.model_fingerprint
    ours = built.dense.reconstruct_n(0, len(units))
    theirs = reference.dense.reconstruct_n(0, len(units))
    assert float(np.min(np.sum(ours * theirs, axis=1))) >= 0.99999
