"""Hybrid semantic retrieval: sentence embeddings + FAISS fused with BM25 over jieba tokens.

Knows nothing of the web or of Rasa. The public entry points:

- :func:`retrieval.build.build_index` — embed and persist an index for a knowledge base;
- :class:`retrieval.searcher.HybridSearcher` — answer-candidate search with a confidence.
"""
