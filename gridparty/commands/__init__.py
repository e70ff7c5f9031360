"""One module per ``gridparty`` command; each provides ``register(subparsers)``."""
