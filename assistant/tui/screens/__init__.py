"""The TUI's screens: chat, library, article and saved conversations."""
