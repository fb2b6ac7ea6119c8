"""The check of an answer: how well a passage backs a claim (`support`), the rules on what
a claim adds to its question (`rules`), reading the model's reply (`replies`) and the whole
verification that makes citations worth showing (`verify`)."""
