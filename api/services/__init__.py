"""What the app does, independent of how it is reached (HTTP route, Rasa action, channel)."""
