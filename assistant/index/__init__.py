"""The index: articles chunked (`chunks`), embedded and written crash-safely into Chroma
(`store`, `records`), with the BM25 keyword index derived from it (`keyword`). `ingest`
drives it all from files, folders and feeds."""
