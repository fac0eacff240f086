"""`python -m dropwizard`."""

from dropwizard.cli import main

raise SystemExit(main())
