"""What the commands beside the web process share: `python -m app.migrate`,
`python -m app.worker` and `python -m app.jobs` read the same environment as
the web process (config.py) and log the same JSON lines (logs.py)."""

from __future__ import annotations

import sys

from .config import ConfigError, Settings, load_settings
from .logs import configure_logging

EXIT_USAGE = 2  # invalid configuration or arguments, as argparse exits
NO_DATABASE = "no database is configured: set DATABASE_URL, or DB_HOST with DB_NAME, DB_USER and DB_PASSWORD"


def command_settings(prog: str) -> Settings:
    """The settings, with logging configured; exits 2 naming the variable
    when one is invalid."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"{prog}: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    configure_logging(settings.log_level)
    return settings


def first_line(exc: BaseException) -> str:
    """An exception's first line: drivers add hints and context below it."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
