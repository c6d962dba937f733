"""Retrieval errors.

    RetrievalError
    ├── IndexNotBuiltError     no index at the configured path
    ├── IndexMismatchError     the index was built from other documents or another model
    └── EmbeddingModelError    the embedding model cannot be loaded
"""


class RetrievalError(RuntimeError):
    """Base of every retrieval error."""


class IndexNotBuiltError(RetrievalError):
    """No index has been built at the configured location."""


class IndexMismatchError(RetrievalError):
    """The persisted index does not match the documents or model in use."""


class EmbeddingModelError(RetrievalError):
    """The embedding model is missing or unusable."""
