"""How often the sentence that answers a question reaches the prompt.

The answer stage shows the model a few sentences per passage within a word budget
(`answer/evidence.py`). A question can only be answered when the sentence stating the
answer is among them, so this measures, on a dev set, the share of evidence quotes whose
words the prompt's evidence holds (at least 80 % of a quote's content words in one shown
passage), and the share of questions for which every quote (all reports) is there. It
runs the answer stage up to the prompt, without a model, against the same figure for the
retrieved passages in full (the ceiling the sentence selection works within).

Usage: .venv/bin/python benchmarks/evidence_reach.py CORPUS QUESTIONS [--limit N]
(the index is built once in $ASSISTANT_DATA_DIR/eval/, as `assistant eval` builds it)
"""

from __future__ import annotations

import re

from question_sets import arguments, indexed

WORD = re.compile(r"[a-z0-9]+")
SHORT = {"the", "a", "an", "of", "and", "to", "in", "on", "for", "is", "was", "that", "with"}


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in SHORT}


def reached(quote: str, shown: list[str], share: float = 0.8) -> bool:
    want = words(quote)
    return bool(want) and any(len(want & words(t)) >= share * len(want) for t in shown)


def main() -> None:
    from assistant.eval import load_questions
    from assistant.retrieve.pool import find
    from assistant.types import Filters

    args = arguments()
    bot = indexed(args.corpus)
    answerer = bot.answerer()
    questions = [q for q in load_questions(args.questions) if not q.is_null]
    if args.limit:
        questions = questions[: args.limit]
    quotes = quotes_in_prompt = quotes_retrieved = 0
    all_prompt = all_retrieved = 0
    for q in questions:
        found = find(bot.retriever, bot.analyse(q.question), bot.settings.answer.k, Filters())
        evidence = answerer.evidence(found)  # the answer stage up to the prompt
        shown, whole = list(evidence.shown), [h.text for h in found.hits]
        got = [reached(e.quote, shown) for e in q.evidence]
        retrieved = [reached(e.quote, whole) for e in q.evidence]
        quotes += len(got)
        quotes_in_prompt += sum(got)
        quotes_retrieved += sum(retrieved)
        all_prompt += all(got)
        all_retrieved += all(retrieved)
    n = len(questions)
    print(f"{args.questions.name}: {n} answerable questions, {quotes} evidence quotes")
    print(f"quotes in the retrieved passages: {quotes_retrieved / quotes:.3f}")
    print(f"quotes in the prompt's evidence:  {quotes_in_prompt / quotes:.3f}")
    print(f"questions with every quote retrieved: {all_retrieved / n:.3f}")
    print(f"questions with every quote in the prompt: {all_prompt / n:.3f}")
    print(f"prompt / retrieved: {quotes_in_prompt / max(quotes_retrieved, 1):.3f}")


if __name__ == "__main__":
    main()
