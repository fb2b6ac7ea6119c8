"""The TUI's widgets; each owns its CSS (`DEFAULT_CSS`): the conversation views, the
question box, the citations panel and the status line."""
