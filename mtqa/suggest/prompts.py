"""Prompts for the post-editing models.  Changing a prompt changes the outputs, so every
prompt has a version (a hash of its text) that is part of the output-cache key.

The few-shot examples are written for mtqa (news translationese from Russian), not taken
from any evaluation set.  Half of them are already correct and are copied unchanged: a
small model must learn that copying is the usual answer.
"""
from __future__ import annotations

import hashlib

SEQ2SEQ_PREFIX = "Fix grammatical errors in this sentence: "

FEWSHOT_SYSTEM = (
    "You correct the grammar of English sentences translated from Russian. Fix only "
    "articles, prepositions, verb tenses, word order and punctuation. Keep every name, "
    "number and the meaning. If the sentence is correct, copy it unchanged."
)

FEWSHOT_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("He said that situation in region is stable.",
     "He said that the situation in the region is stable."),
    ("What do you think about the new rules?", "What do you think about the new rules?"),
    ("The company has opened new office in Moscow last year.",
     "The company opened a new office in Moscow last year."),
    ("The minister answered them:", "The minister answered them:"),
    ("The agreement was signed by Vladimir Putin on 12 March.",
     "The agreement was signed by Vladimir Putin on 12 March."),
    ("The talks will be held on next week in Geneva.", "The talks will be held next week in Geneva."),
)

# Derived from the prompt itself, so an edited prompt can never reuse stale cached outputs.
FEWSHOT_VERSION = "fewshot-" + hashlib.sha256(
    repr((FEWSHOT_SYSTEM, FEWSHOT_EXAMPLES)).encode()).hexdigest()[:10]


def fewshot_messages(sentence: str) -> list[dict]:
    msgs = [{"role": "system", "content": FEWSHOT_SYSTEM}]
    for bad, good in FEWSHOT_EXAMPLES:
        msgs.append({"role": "user", "content": bad})
        msgs.append({"role": "assistant", "content": good})
    msgs.append({"role": "user", "content": sentence})
    return msgs
