"""Would a verdict per report be better weighed by the model's odds than read from its word?

A yes/no question about several reports is answered "Yes" when every report bears its
claim out (`answer/per_report.py`), each verdict being the local model's first word. This
runs the answer stage up to the verdicts for every such question of a question set (the
embedded model, one short prompt per report), reads the model's odds of "Yes" against "No"
for each verdict from llama.cpp's logits, and scores the composed "Yes"/"No" at each
threshold on those odds against the gold answer; a threshold of 0.5 is the model's own
(greedy) word, the baseline of the same run. So that a threshold is not judged on the
questions it is fitted to, it also picks the best one on each half of the set's yes/no
questions (odd and even ones) and scores it on the other half.

Usage: .venv/bin/python benchmarks/verdict_odds.py CORPUS QUESTIONS [--limit N]
(the index is built once in $ASSISTANT_DATA_DIR/eval/, as `assistant eval` builds it)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from question_sets import arguments, indexed

THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(11)]  # 0.30 … 0.80


def accuracy(rows: Sequence[tuple[list[float], bool]], threshold: float) -> float:
    """The share of `rows` (each report's odds of "yes", the gold answer is yes) whose
    composed answer, "Yes" when every report's odds reach `threshold`, is right."""
    right = sum(all(p >= threshold for p in odds) == gold for odds, gold in rows)
    return right / max(len(rows), 1)


def _cases(word: str) -> tuple[str, ...]:
    return (word, word.capitalize(), word.upper())


def main() -> None:
    import numpy as np

    from assistant.answer import per_report
    from assistant.answer.reasoning import order_in_time
    from assistant.eval import load_questions
    from assistant.models.llm import LocalLlama, Message
    from assistant.retrieve.outlets import unknown_outlets
    from assistant.retrieve.pool import find
    from assistant.types import Filters

    args = arguments()
    bot = indexed(args.corpus)
    answerer = bot.answerer()
    if not isinstance(answerer.llm, LocalLlama):
        raise SystemExit("the embedded model is not installed: run `make install`")
    llm: LocalLlama = answerer.llm
    llama = llm._llama  # noqa: SLF001 - its logits
    seen: list[float] = []
    # the token of each written form of "yes" and "no" that is one token
    forms = {
        w: [llama.tokenize(c.encode(), add_bos=False) for c in _cases(w)] for w in ("yes", "no")
    }
    ids = {w: {t[0] for t in found if len(t) == 1} for w, found in forms.items()}

    class Recorder:
        """The local model's first word, keeping its odds of "yes" against "no"."""

        provider, model = llm.provider, llm.model

        def stream(
            self, messages: Sequence[Message], *, max_tokens: int, temperature: float
        ) -> Iterator[str]:
            reply = llama.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
            logits = np.ctypeslib.as_array(
                llama._ctx.get_logits_ith(-1),  # noqa: SLF001 - the prompt's last position
                shape=(llama.n_vocab(),),
            ).astype(np.float64)
            weights = np.exp(logits - logits.max())
            odds = {w: sum(float(weights[i]) for i in ids[w]) for w in ids}
            seen.append(odds["yes"] / (odds["yes"] + odds["no"]))
            yield reply["choices"][0]["message"].get("content") or ""

        def prime(self, messages: Sequence[Message]) -> None:
            pass

    questions = [q for q in load_questions(args.questions) if q.kind == "yes/no"]
    if args.limit:
        questions = questions[: args.limit]
    rows: list[tuple[list[float], bool]] = []
    halves: tuple[list[tuple[list[float], bool]], ...] = ([], [])
    skipped = 0
    for number, q in enumerate(questions):
        analysis = bot.analyse(q.question)
        if not per_report.judged(analysis):
            continue
        found = find(bot.retriever, analysis, bot.settings.answer.k, Filters())
        if unknown_outlets(q.question, bot.retriever.outlets) or order_in_time(found):
            continue  # answered otherwise
        seen.clear()
        evidence = answerer.evidence(found)
        verdicts = per_report.verdicts(Recorder(), answerer.prompts.verdict, analysis, evidence)
        if verdicts is None:  # no sentences for a part, or neither yes nor no
            skipped += 1
            continue
        row = (list(seen), "yes" in q.accept)
        rows.append(row)
        halves[number % 2].append(row)
    print(f"{args.questions.name}: {len(rows)} yes/no questions judged per report", end="")
    print(f" ({skipped} left to the usual path); gold yes: {sum(g for _, g in rows)}")
    for t in THRESHOLDS:
        mark = " (the model's first word)" if t == 0.5 else ""
        print(f"odds of yes >= {t:.2f}: accuracy {accuracy(rows, t):.3f}{mark}")
    for pick, other in ((0, 1), (1, 0)):
        best = max(THRESHOLDS, key=lambda t: (accuracy(halves[pick], t), -abs(t - 0.5)))
        got, first = accuracy(halves[other], best), accuracy(halves[other], 0.5)
        print(f"half {pick} picks {best:.2f}; on half {other}: {got:.3f} (0.5: {first:.3f})")


if __name__ == "__main__":
    main()
