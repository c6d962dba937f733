"""The bureau's knowledge: documents, their chunks, and the liaison directory.

Pure data and parsing; knows nothing of retrieval, the web or Rasa.
"""
