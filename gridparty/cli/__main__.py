"""``python -m gridparty.cli``: the command line."""

from gridparty.cli.main import main

raise SystemExit(main())
