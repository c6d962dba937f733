"""The knowledge library (知识库): documents, their chunks and FAQs in the database, their
life cycle (draft → in_review → published → withdrawn) with an immutable version per
publish, synonyms, the seed import from ``knowledge/data`` and background re-indexing.

Modules: ``content`` (documents ↔ JSON), ``lifecycle`` (states and who may move them),
``splitting`` (an uploaded file → chunks), ``models`` (tables), ``service`` (the
:class:`~hotline.library.service.Library`), ``seed`` (the import), ``assembly`` (the
served :class:`~knowledge.corpus.KnowledgeBase`), ``indexing`` (re-index jobs),
``rasa_export`` (synonyms as Rasa NLU entity synonyms).
"""
