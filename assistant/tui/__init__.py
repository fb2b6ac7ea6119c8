"""The chat TUI: a Textual front end over an `Assistant`.

It lives in its own package so the CLI can import it only when stdin and stdout are
terminals; `run_app` in `app` is the entry point. Nothing here is imported by the core.
"""
