"""Who may call what: session credentials, throttling, production checks."""
