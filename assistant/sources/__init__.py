"""Where articles come from: files and folders (`files`, `formats`), feeds and web pages
(`feeds/`), and the publication dates they carry (`dates`). Everything here turns input into
`Article` values or `Skipped` reasons and imports nothing of the stages after it."""

from .dates import normalise_date, to_epoch
from .files import SUPPORTED_SUFFIXES, ReadResult, iter_path, read_path
from .formats import parse_html, parse_record, parse_text

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
