"""Exit codes of every ``lead-funnel`` subcommand (documented in docs/running.md)."""

EXIT_OK = 0  # success
EXIT_FAILED = 1  # a model, test, freshness or data check failed (or publishing failed)
EXIT_USAGE = 2  # usage or configuration error
EXIT_LOCKED = 3  # another run holds the lock
EXIT_INTERRUPTED_SIGINT = 130  # stopped by SIGINT (Ctrl-C); the run is logged as interrupted
EXIT_INTERRUPTED_SIGTERM = 143  # stopped by SIGTERM; the run is logged as interrupted
