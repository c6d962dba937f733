"""The liaison directory and the gazetteer as versioned data in the database.

``models`` (tables), ``validation`` (Chinese messages for editors), ``edits`` (pure
changes of the data), ``store`` (versions, seed import, audit), ``assembly`` (the running
LiaisonDirectory and KnowledgeBase from a version), ``training`` (Rasa retrain job rows).
The package imports knowledge and hotline's db / audit only; no web framework.
"""
