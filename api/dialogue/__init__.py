"""The gateway to the Rasa dialogue server: HTTP only, the app never imports rasa."""
