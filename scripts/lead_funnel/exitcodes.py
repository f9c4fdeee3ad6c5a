"""Exit codes of every ``lead-funnel`` subcommand (documented in docs/running.md).

A run stopped by a signal exits 128 + the signal number: 130 for SIGINT (Ctrl-C), 143 for
SIGTERM; it is logged as interrupted.
"""

EXIT_OK = 0  # success
EXIT_FAILED = 1  # a model, test, freshness or data check failed (or publishing failed)
EXIT_USAGE = 2  # usage or configuration error
EXIT_LOCKED = 3  # another run holds the lock
