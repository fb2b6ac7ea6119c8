"""The `assistant` command line: `app` (the group and error handling), `core`, `feeds` and
`eval` (the commands), `common` (helpers they share) and `printer` (answers in a terminal)."""

from .app import main

__all__ = ["main"]
