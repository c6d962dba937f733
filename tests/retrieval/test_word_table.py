"""The word-embedding table is read row by row (pread), never mapped into the process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.embedding.word_table import (
    EMBEDS_INPUT,
    TABLE_FILE,
    WordTable,
    WordTableError,
    graph_feeds,
    save_table,
)


@pytest.fixture
def matrix() -> np.ndarray:
    return np.random.default_rng(3).standard_normal((50, 8)).astype(np.float32)


@pytest.fixture
def table(matrix: np.ndarray, tmp_path: Path) -> WordTable:
    save_table(matrix, tmp_path / "words.npy")
    return WordTable(tmp_path / "words.npy")


def test_lookup_gives_the_rows_of_any_shape_of_ids(table: WordTable, matrix: np.ndarray) -> None:
    ids = np.array([[0, 7, 7, 49], [3, 1, 1, 1]], dtype=np.int64)
    rows = table.lookup(ids)
    assert rows.shape == (2, 4, 8) and rows.dtype == np.float32
    assert np.array_equal(rows, matrix[ids])
    assert table.lookup(np.zeros((0, 0), dtype=np.int64)).shape == (0, 0, 8)


@pytest.mark.parametrize("bad", [50, -1, 10_000])
def test_an_id_outside_the_table_is_refused(table: WordTable, bad: int) -> None:
    with pytest.raises(WordTableError, match="outside the table"):
        table.lookup(np.array([[1, bad]]))


def test_files_that_are_not_a_float32_matrix_are_refused(tmp_path: Path) -> None:
    (tmp_path / "text.npy").write_text("not numpy")
    np.save(tmp_path / "f64.npy", np.zeros((4, 3)))
    np.save(tmp_path / "flat.npy", np.zeros(12, dtype=np.float32))
    np.save(tmp_path / "fortran.npy", np.asfortranarray(np.zeros((4, 3), dtype=np.float32)))
    for name in ("text", "f64", "flat", "fortran"):
        with pytest.raises(WordTableError):
            WordTable(tmp_path / f"{name}.npy")
    save_table(np.zeros((40, 3), dtype=np.float32), tmp_path / "cut.npy")
    data = (tmp_path / "cut.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-12])
    with pytest.raises(WordTableError, match="shorter"):
        WordTable(tmp_path / "cut.npy")


def test_the_table_is_not_mapped_into_the_process(table: WordTable) -> None:
    table.lookup(np.arange(50)[None, :])
    maps = Path("/proc/self/maps").read_text()
    assert str(table.path) not in maps


def test_graph_feeds_give_what_the_graph_takes(table: WordTable, matrix: np.ndarray) -> None:
    ids = np.array([[2, 4]], dtype=np.int64)
    mask = np.ones_like(ids)
    old = graph_feeds(["input_ids", "attention_mask"], ids, mask, None)
    assert set(old) == {"input_ids", "attention_mask"}
    new = graph_feeds(["input_ids", "attention_mask", EMBEDS_INPUT], ids, mask, table)
    assert np.array_equal(new[EMBEDS_INPUT], matrix[ids])
    with pytest.raises(WordTableError, match="no word_embeddings.npy"):
        graph_feeds([EMBEDS_INPUT], ids, mask, None)
    with pytest.raises(WordTableError, match="does not know"):
        graph_feeds(["token_type_ids"], ids, mask, table)


def test_the_table_is_opened_only_for_a_graph_that_takes_word_vectors(
        matrix: np.ndarray, tmp_path: Path) -> None:
    save_table(matrix, tmp_path / TABLE_FILE)
    assert WordTable.for_graph(["input_ids", "attention_mask"], tmp_path) is None
    opened = WordTable.for_graph(["input_ids", "attention_mask", EMBEDS_INPUT], tmp_path)
    assert opened is not None and opened.rows == matrix.shape[0]
    with pytest.raises(FileNotFoundError):
        WordTable.for_graph([EMBEDS_INPUT], tmp_path / "no-export")
