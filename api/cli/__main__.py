"""`python -m api.cli`: the `ledger` console command."""

from api.cli.main import main

raise SystemExit(main())
