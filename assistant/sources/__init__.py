"""Where articles come from: readers that turn local files and folders into `Article` values."""

from assistant.sources.date_parse import normalise_date, to_epoch
from assistant.sources.files import SUPPORTED_SUFFIXES, ReadResult, iter_path, read_path
from assistant.sources.formats import parse_html, parse_record, parse_text

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
