"""The ``gridparty`` command line: one module per command over the public API."""
