"""The index: articles chunked (`chunks`), embedded and written crash-safely into Chroma
(`store`, `records`, `state`), with the BM25 keyword index derived from it (`keyword`) and
kept in step by every reader (`sync`). `ingest` drives it all from files, folders and feeds."""
