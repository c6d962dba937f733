"""Retrieval and answer quality on a labelled Chinese question set (``make eval``)."""
