"""Custom actions for the Rasa server (rasa-sdk), one module per concern, served by the app
itself at ``POST /webhook/actions``; :func:`api.actions.executor.build_executor` registers
them. Importing this package imports none of them."""
