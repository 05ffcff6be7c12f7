"""Make a user's question safe to search: no control characters, bounded length, not empty, simplified script."""

from __future__ import annotations

import re
import unicodedata

import opencc

# A real question is a sentence or two; anything far longer is pasted text, and only its start is used.
MAX_QUESTION_CHARS = 500
# Lone surrogates (valid in JSON escapes, not in UTF-8) count as control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ud800-\udfff\ufeff]")
# The documents are in simplified characters; a question typed in traditional ones (Hong Kong, Taiwan,
# an old input method) must still match them. OpenCC's converter is read-only once built, so one is shared.
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


class QuestionError(ValueError):
    """A question that cannot be searched (empty, or nothing but punctuation)."""


def normalize_question(text: str) -> str:
    """NFKC-normalised, control characters dropped, whitespace folded, cut to MAX_QUESTION_CHARS, simplified."""
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text or ""))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:MAX_QUESTION_CHARS]
    if not cleaned:
        raise QuestionError("问题为空：请输入要查询的问题。")
    if not any(char.isalnum() for char in cleaned):
        raise QuestionError("问题只有标点或符号：请用文字描述要查询的内容。")
    return _TO_SIMPLIFIED.convert(cleaned)
