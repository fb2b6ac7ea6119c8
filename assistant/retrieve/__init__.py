"""Retrieval: the passages that answer a query (`search`: vector, BM25 and their fusion,
per-article diversity) within what the question or the caller limits it to (`filters`)."""
