"""The app: channels, the chat contract, retrieval-backed answers, and (later) tickets and consoles."""
