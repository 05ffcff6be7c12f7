"""Heading hierarchy and prose paragraphs, with lines broken mid-sentence joined again.

Chinese official documents number their headings 一、 / （一） / 1． / （1）; markdown
``#`` lines count too. A numbered line often carries its body after the first 。, so the
section title is that first sentence and the whole line stays content of the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.mapped_text import MappedText

_NUMERALS = "一二三四五六七八九十百"
# (pattern, level): level 1 is the outermost numbered heading; markdown-only headings are level 0.
HEADING_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^[{_NUMERALS}]+[、.．]"), 1),
    (re.compile(rf"^[（(][{_NUMERALS}]+[）)]"), 2),
    (re.compile(r"^\d{1,2}[．.、](?!\d)"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]"), 4),
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s*")
_SENTENCE_END = "。；！？!?;：:）)」”…"
# A line this long that stops without punctuation was broken by the extractor, not by the author.
MIN_BROKEN_LINE = 20
MAX_TITLE = 40


@dataclass
class Block:
    """A paragraph of prose (lines joined) under its section path."""

    section: list[str]
    text: MappedText


def heading_level(line: str) -> int | None:
    """The numbering level of a heading line, 0 for an unnumbered markdown heading, None for prose."""
    stripped = _MARKDOWN_HEADING.sub("", line.strip())
    for pattern, level in HEADING_PATTERNS:
        if pattern.match(stripped):
            return level
    return 0 if _MARKDOWN_HEADING.match(line.strip()) else None


def heading_title(line: str) -> str:
    """The heading's own words: up to the first 。 (the rest of the line is body text)."""
    stripped = _MARKDOWN_HEADING.sub("", line.strip()).strip("* ")
    title = re.split(r"[。；]", stripped, maxsplit=1)[0]
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE] + "…"


def parse_blocks(text: MappedText, skip: list[tuple[int, int]]) -> list[Block]:
    """One block per section of ``text`` outside the ``skip`` spans (tables).

    A block holds the heading line and the section's paragraphs, one per line; a line cut
    mid-sentence is joined to the line it belongs to, even across blank lines.
    """
    path: list[tuple[int, str]] = []
    blocks: list[Block] = []
    pending: list[MappedText] = []
    title_only = False  # pending holds just a heading line that says nothing beyond its title

    def flush() -> None:
        # A bare outline heading (一、… / （一）…) has no content of its own: its words live on in
        # the section path of the blocks below it. A bare numbered item (5. 推进…公开。) is content.
        if pending and not (title_only and path and path[-1][0] <= 2):
            blocks.append(Block([title for _, title in path], MappedText.concat(pending)))
        pending.clear()

    for start, end in _line_spans(text.text, skip):
        line = text.text[start:end]
        if not line.strip():
            continue
        level = heading_level(line)
        if level is not None:
            flush()
            title = heading_title(line)
            if level == 0 and _is_noise_heading(title):
                continue
            path = [(lvl, t) for lvl, t in path if lvl < level] if level else []
            path.append((level, title))
            title_only = _is_title_only(line)
        elif title_only:
            pending.clear()  # the heading is in the section path; the paragraph needs no copy of it
            title_only = False
        elif pending and not _continues(pending[-1].text):
            pending.append(text.slice(start - 1, start))  # the newline that ended the paragraph
        pending.append(_strip_markup(text.slice(start, end)))
    flush()
    return [block for block in blocks if block.text.text.strip()]


def _line_spans(text: str, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = []
    position = 0
    for line in text.splitlines(keepends=True):
        start, end = position, position + len(line.rstrip("\n"))
        position += len(line)
        if any(a <= start < b for a, b in skip):
            continue
        spans.append((start, end))
    return spans


def _continues(previous: str) -> bool:
    """True when the previous line was cut mid-sentence, so the next line belongs to it."""
    stripped = previous.rstrip()
    return len(stripped) >= MIN_BROKEN_LINE and stripped[-1] not in _SENTENCE_END


def _is_title_only(line: str) -> bool:
    return heading_title(line) == _MARKDOWN_HEADING.sub("", line.strip()).strip("*。 ")


def _is_noise_heading(title: str) -> bool:
    """Markdown headings left by conversion that carry no words (``# 2023``)."""
    return not re.search(r"[\u4e00-\u9fff]", title)


def _strip_markup(line: MappedText) -> MappedText:
    return line.sub(r"^\s*(?:#{1,6}\s*)?\**|\**\s*$", "")
