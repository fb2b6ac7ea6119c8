"""Where articles come from: readers that turn local files and folders into `Article` values."""

from assistant.sources.files import (
    SUPPORTED_SUFFIXES,
    ReadResult,
    iter_path,
    normalise_date,
    parse_html,
    parse_record,
    parse_text,
    read_path,
    to_epoch,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ReadResult",
    "iter_path",
    "normalise_date",
    "parse_html",
    "parse_record",
    "parse_text",
    "read_path",
    "to_epoch",
]
