"""Make a user's question safe to search: no control characters, bounded length, not empty, simplified script."""

from __future__ import annotations

import re
import unicodedata

import opencc

# A real question is a sentence or two; anything far longer is pasted text, and only its start is used.
MAX_QUESTION_CHARS = 500
# Longer than this, a question is taken for pasted text (a notice, a citizen's letter) with the question in it.
PASTE_CHARS = 150
# Sentence ends (full and half width), then words that make a sentence without a question mark a question.
_SENTENCE = re.compile(r"[^。！？!?\n；;]*[。！？!?\n；;]?")
_ASKING = re.compile(r"请问|谁|什么|多少|哪|何时|怎么|怎样|如何|是否|吗|能否|可否")
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


def extract_question(text: str) -> str:
    """The question in a long paste: its last sentence ending in ``？``, else the last with a question word, else
    its last sentence.

    Citizens paste a notice or a letter and end (or, less often, begin) with what they want to know; a search
    over the whole paste, or over its first MAX_QUESTION_CHARS, answers the paste's topic, not the question.
    Text up to PASTE_CHARS is a question as typed and is returned unchanged.
    """
    if len(text) <= PASTE_CHARS:
        return text
    sentences = [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 1]
    marked = [sentence for sentence in sentences if sentence.endswith(("？", "?"))]
    worded = [sentence for sentence in sentences if _ASKING.search(sentence)]
    chosen = (marked or worded or sentences or [text])[-1]
    return chosen[-MAX_QUESTION_CHARS:]
