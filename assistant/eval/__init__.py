"""Measure the assistant on a question set, through the public API: `questions` (the file
format, sampling, strict scoring of an answer), `metrics` (retrieval at article and fact
level, answers, citations, abstention, latency) and `run` (one question at a time)."""

from .questions import Question, load_questions, select
from .run import evaluate, index_dir

__all__ = ["Question", "evaluate", "index_dir", "load_questions", "select"]
