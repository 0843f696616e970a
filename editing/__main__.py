"""Entry point for `python -m editing`."""

from editing.cli import main

raise SystemExit(main())
