"""Messaging channels other than the web chat (each one its own package, e.g. ``wechat``)."""
