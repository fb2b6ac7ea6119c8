"""What the scripts that run the answer stage on a question set share: their arguments and
an assistant over the set's corpus, indexed where `assistant eval` indexes it.

A script run as `python benchmarks/x.py` has this folder on its path, so `from
question_sets import indexed` finds this module.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant import Assistant


def arguments() -> argparse.Namespace:
    """CORPUS QUESTIONS [--limit N] from the command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    return parser.parse_args()


def indexed(corpus: Path) -> Assistant:
    """An assistant (local model) over `corpus`, indexed once in $ASSISTANT_DATA_DIR/eval/
    as `assistant eval` indexes it, so the two share the index."""
    from assistant import Assistant
    from assistant.eval import index_dir

    base = Assistant.from_config(llm__provider="local")
    bot = Assistant.from_config(
        llm__provider="local",
        store__data_dir=str(index_dir(base.settings.data_path, corpus, base)),
    )
    bot.ingest(corpus)
    return bot
