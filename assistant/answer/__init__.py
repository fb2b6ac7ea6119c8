"""The answer stage: from a question and its passages to a checked, cited answer.

`pipeline` (retrieve, prompt, stream, check), `stream` (the `AnswerStream` a caller
iterates), `chat` (follow-ups with history), `prompts`, `context` (the sentences the model
is shown), `extractive` (answers without a model), `markers` (`[n]` parsing and
renumbering) and `check/` (support scores, rules, the reply reader and the verifier).
"""
