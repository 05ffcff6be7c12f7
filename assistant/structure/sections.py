"""Heading hierarchy and prose paragraphs, with lines broken mid-sentence joined again.

Headings of every genre: regulations number 第X章 / 第X节 / 第X条, plans and notices 一、 /
（一） / 1． / （1） / ①; markdown ``#`` lines (the HTML loader writes h1–h6 as ``#``) and short
bold-only lines count too. A numbered line often carries its body after the first 。, so the
section title is that first sentence and the whole line stays content of the section.

Two kinds of section are units a question is answered from whole: an article (第X条, with its
（一）（二） items) and a question with its answer (``1.…？`` + ``答：…``, a bold question, ``问：…``).
Inside one, numbered lines are its content, not headings; its block is marked ``whole``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.mapped_text import MappedText

_NUMERALS = "一二三四五六七八九十百"
_COUNT = r"[零〇一二三四五六七八九十百千\d]+"
# Levels: a smaller number is an outer division. Markdown-only headings (0) start a new part
# (document title, 附件) and clear the path; bold-only lines sit under whatever is open.
CHAPTER, SECTION, ARTICLE, MARKDOWN = -3, -2, -1, 0
BOLD, QUESTION = 6, 7
HEADING_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^第{_COUNT}[编章](?:[\s\u3000\xa0]|$)"), CHAPTER),
    (re.compile(rf"^第{_COUNT}节(?:[\s\u3000\xa0]|$)"), SECTION),
    (re.compile(rf"^第{_COUNT}条(?=[\s\u3000\xa0（(]|$)"), ARTICLE),
    (re.compile(rf"^[{_NUMERALS}]+[、.．]"), 1),
    (re.compile(rf"^[（(][{_NUMERALS}]+[）)]"), 2),
    (re.compile(r"^[\d０-９]{1,2}[．.、](?![\d０-９])"), 3),
    (re.compile(r"^[（(][\d０-９]{1,2}[）)]"), 4),
    (re.compile(r"^[①-⑳]"), 5),
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s*")
_LEADING_MARKUP = re.compile(r"^(?:#{1,6}\s*)?[*\s]*")
_BOLD_LINE = re.compile(r"^(?:#{1,6}\s*)?\*\*(.+)\*\*$")
# A chapter or section heading is a title line; a longer line starting 第X章 is prose citing one.
MAX_DIVISION = 30
MAX_BOLD = 30
_ARTICLE_TITLE = re.compile(rf"^第{_COUNT}条(?:[（(][^（）()]{{1,20}}[）)])?")
# Q&A: ``问：…``, a question line followed by ``答：…`` (or on the same line), a bold question.
_ASKED = re.compile(r"^问\s*[:：]\s*")
_ANSWER = re.compile(r"^答\s*[:：]")
_QUESTION_MARK = re.compile(r"[？?]")
_ANSWER_INLINE = re.compile(r"[？?]\s*答\s*[:：]")
MAX_QUESTION = 120
# A bold outline heading set inside a paragraph (``…提高群众满意度。**二、组织分工** 卫生健康…``).
_INLINE_HEADING = re.compile(rf"(?<=\S)\s*\*\*(?=[{_NUMERALS}]+、|第{_COUNT}[章节条])")
_SENTENCE_END = "。；！？!?;：:）)」”…"
# A line this long that stops without punctuation was broken by the extractor, not by the author.
MIN_BROKEN_LINE = 20
MAX_TITLE = 40


@dataclass
class Block:
    """A paragraph of prose (lines joined) under its section path; ``whole`` for an article or a Q&A."""

    section: list[str]
    text: MappedText
    whole: bool = False


def _bare(line: str) -> str:
    """A line without markdown ``#`` and bold ``**`` markup (bold marks may be broken: ``**2.****“**``)."""
    return _LEADING_MARKUP.sub("", line.strip()).replace("*", "").strip()


def heading_level(line: str) -> int | None:
    """The level of a heading line (see ``HEADING_PATTERNS``, ``MARKDOWN``, ``BOLD``), None for prose."""
    stripped = _bare(line)
    for pattern, level in HEADING_PATTERNS:
        if pattern.match(stripped):
            if level in (CHAPTER, SECTION) and len(stripped) > MAX_DIVISION:
                return None
            return level
    if _MARKDOWN_HEADING.match(line.strip()):
        return MARKDOWN
    bold = _BOLD_LINE.match(line.strip())
    if bold and 0 < len(_bare(line)) <= MAX_BOLD and not _bare(line).endswith("。"):
        return BOLD
    return None


def heading_title(line: str) -> str:
    """The heading's own words: up to the first 。 (the rest of the line is body text); 第X条 alone."""
    stripped = re.sub(r"[\s\u3000\xa0]+", " ", _bare(line))
    if article := _ARTICLE_TITLE.match(stripped):
        return article.group()
    title = re.split(r"[。；]", stripped, maxsplit=1)[0].strip()
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE] + "…"


def strip_numbering(title: str) -> str:
    """A heading's words without its numbering (``（一）牵头单位`` → ``牵头单位``)."""
    for pattern, _ in HEADING_PATTERNS:
        if match := pattern.match(title):
            return title[match.end() :].strip()
    return title


def question_title(line: str, next_line: str) -> str | None:
    """The question a line asks, if it opens a Q&A pair (``next_line``: the next non-blank line)."""
    stripped = _bare(line)
    if asked := _ASKED.match(stripped):
        question = re.split(r"答\s*[:：]", stripped[asked.end() :], maxsplit=1)[0].strip()
    elif (
        _ANSWER_INLINE.search(stripped)
        or (_QUESTION_MARK.search(stripped) and _ANSWER.match(_bare(next_line)))
        or (_BOLD_LINE.match(line.strip()) and stripped.endswith(("？", "?")))
    ):
        asked_part = re.split(r"[？?]\s*答\s*[:：]", stripped + " ", maxsplit=1)[0]
        question = asked_part[: max(asked_part.rfind("？"), asked_part.rfind("?")) + 1].strip() or stripped
    else:
        return None
    if not question or len(question) > MAX_QUESTION:
        return None
    return question


def parse_blocks(text: MappedText, skip: list[tuple[int, int]]) -> list[Block]:
    """One block per section of ``text`` outside the ``skip`` spans (tables).

    A block holds the heading line and the section's paragraphs, one per line; a line cut
    mid-sentence is joined to the line it belongs to, even across blank lines.
    """
    path: list[tuple[int, str]] = []
    blocks: list[Block] = []
    pending: list[MappedText] = []
    title_only = False  # pending holds just a heading line that says nothing beyond its title
    # Inside an article or an answer, headings deeper than this level are its content.
    unit_floor: int | None = None

    def flush() -> None:
        # A bare outline heading (一、… / （一）…) has no content of its own: its words live on in
        # the section path of the blocks below it. A bare numbered item (5. 推进…公开。) is content.
        if pending and not (title_only and path and path[-1][0] <= 2):
            blocks.append(Block([title for _, title in path], MappedText.concat(pending), unit_floor is not None))
        pending.clear()

    spans = [span for span in _line_spans(text.text, skip) if text.text[span[0] : span[1]].strip()]
    for index, (start, end) in enumerate(spans):
        line = text.text[start:end]
        following = text.text[slice(*spans[index + 1])] if index + 1 < len(spans) else ""
        question = question_title(line, following)
        level = heading_level(line)
        if question is None and level not in (None, MARKDOWN) and unit_floor is not None and level > unit_floor:
            level = None  # an item of the article or answer
        if question is not None:
            flush()
            path = [(lvl, t) for lvl, t in path if lvl < QUESTION and (level is None or lvl < level)]
            path.append((QUESTION, question))
            unit_floor = level - 1 if level is not None and level < BOLD else ARTICLE
            title_only = False
        elif level is not None:
            flush()
            title = heading_title(line)
            unit_floor = ARTICLE if level == ARTICLE else None
            if level == MARKDOWN and _is_noise_heading(title):
                continue
            path = [(lvl, t) for lvl, t in path if lvl < level] if level != MARKDOWN else []
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
    """Line spans outside ``skip``; a bold heading inside a paragraph starts a line of its own."""
    spans = []
    position = 0
    for line in text.splitlines(keepends=True):
        start, end = position, position + len(line.rstrip("\n"))
        position += len(line)
        if any(a <= start < b for a, b in skip):
            continue
        cuts = [start + match.end() - 2 for match in _INLINE_HEADING.finditer(text, start, end)]
        for begin, stop in zip([start, *cuts], [*cuts, end], strict=True):
            spans.append((begin, stop))
    return spans


def _continues(previous: str) -> bool:
    """True when the previous line was cut mid-sentence, so the next line belongs to it."""
    stripped = previous.rstrip()
    return len(stripped) >= MIN_BROKEN_LINE and stripped[-1] not in _SENTENCE_END


def _is_title_only(line: str) -> bool:
    return heading_title(line) == re.sub(r"[\s\u3000\xa0]+", " ", _bare(line)).strip("。 ")


def _is_noise_heading(title: str) -> bool:
    """Markdown headings left by conversion that carry no words (``# 2023``)."""
    return not re.search(r"[\u4e00-\u9fff]", title)


def _strip_markup(line: MappedText) -> MappedText:
    return line.sub(r"^\s*(?:#{1,6}\s*)?\**|\**\s*$", "")
