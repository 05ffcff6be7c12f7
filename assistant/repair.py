"""Undo the damage that extraction did to the documents, keeping a map back to the original.

A repair rewrites what is indexed and quoted to a citizen, so it applies only where the
damage is certain: a page number is a whole line that is nothing else; a date lost its
月 only where the position can hold nothing but a date (a cell under a 完成时限 column,
right after a year, a 于…日前 deadline in a document that writes its dates with 月).
Phone numbers, URLs, amounts, ranges, durations (``120日内``) and 文号 never match. Every
non-whitespace change is reported as a :class:`Repair`; the rest (line ends, full-width
and CJK–digit spaces) is whitespace only.

Only repairs that keep lines intact live here: table rebuilding and the joining of
lines broken mid-sentence need the document's structure, so they happen in
``assistant.structure`` on the text this module returns.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from assistant.mapped_text import MappedText


class RepairKind(StrEnum):
    """What was wrong with the extracted text."""

    PAGE_NUMBER = "page_number"
    MARKUP = "markup"
    WEB_CHROME = "web_chrome"
    LOST_BRACKET = "lost_bracket"
    LOST_YEAR = "lost_year"
    LOST_MONTH = "lost_month"
    LOST_DATE = "lost_date"


@dataclass(frozen=True)
class Repair:
    """One change: ``original[start:end]`` (offsets in the original) became ``replacement``."""

    start: int
    end: int
    original: str
    replacement: str
    kind: RepairKind
    reason: str


@dataclass(frozen=True)
class Repaired(MappedText):
    """The repaired text with its origin map and the repairs that made it."""

    repairs: tuple[Repair, ...] = ()

    def repaired_span(self, repair: Repair) -> tuple[int, int]:
        """Where a repair's replacement lies in this text (empty for a removal)."""
        starts = self.origin[:-1]
        return bisect.bisect_left(starts, repair.start), bisect.bisect_left(starts, repair.end)


# --- page furniture and markup: whole lines or tags that are never content -------------------------
# `— 3 —`, `- 7 -`, `·  12 —`: a page number is a whole line, a number between marks; never `60-69周岁`.
_PAGE_NUMBER = re.compile(r"(?m)^[ \t]*[·•\-—–－]{1,2}[ \t]*\d{1,3}[ \t]*[—–\-－]{1,2}[ \t]*$\n?")
# Word bookmarks and similar markup leaked by docx converters.
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
# Web-page chrome captured with a document saved from a site: whole lines that are only a site control.
_WEB_CHROME = re.compile(
    r"(?m)^[ \t\xa0]*(?:\|?[ \t\xa0]*无障碍浏览[ \t\xa0]*\|?|【字体[:：]?[^】\n]*】?|打印|分享到[:：]?)[ \t]*$\n?"
)
# A page's visit counter (浏览次数：-, 阅读次数：1024), filled in by a script the saved page no longer runs.
_VISIT_COUNTER = re.compile(r"[ \t\xa0]*(?:浏览|阅读|访问|点击)(?:次数|量)[:：][ \t\xa0]*(?:\d+|-)?")

# --- whitespace only --------------------------------------------------------------------------------
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "，。、；：？！（）《》“”‘’【】〔〕"
# `广元市 2021 年` → `广元市2021年`: spaces a PDF put between CJK and digits.
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=[0-9])")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=[0-9%]) +(?=[{_CJK}{_CJK_PUNCT}])")
_ENCLOSED_DIGITS = re.compile(r"(?<=[〔\[])(\d{4}) +(?=[〕\]])")

# --- lost date characters ---------------------------------------------------------------------------
_YEAR = r"(?:19|20)\d{2}"
# Digits glued to an identifier, URL, time, range or larger number are never a damaged date.
_NOT_AFTER = r"(?<![0-9A-Za-z_.．,/\\:：\-－~～—–])"
# `〔202238号` → `〔2022〕38号`: 〔〕 holds only a 文号's year, so the closing bracket was lost.
_LOST_ISSUE_BRACKET = re.compile(rf"〔({_YEAR})(\d{{1,4}})号")
# `20226月底前` → `2022年6月底前`: a year run into a month has no other reading.
_LOST_YEAR_CHAR = re.compile(rf"{_NOT_AFTER}({_YEAR})(1[0-2]|0?[1-9])月")
# `1030日前` → `10月30日前`: month and day digits run together before 日.
_LOST_MONTH_CHAR = re.compile(rf"{_NOT_AFTER}(\d{{3,4}})日")
# `2022526` alone on its line → `2022年5月26日`.
_LOST_FULL_DATE = re.compile(rf"(?m)(?<![^\n \t])({_YEAR})(\d{{3,4}})(?=[ \t]*$)")

# Evidence that a position holds a date.
_DEADLINE_AFTER = re.compile(r"之前|以前|前|止")
_DURATION_AFTER = re.compile(r"以内|之内|内")
_YEAR_BEFORE = re.compile(rf"{_YEAR}年$")
_DEADLINE_PREPOSITION = re.compile(r"(?:于|在|至|到|截至|截止)$")
# A table header cell naming a time-limit column: 完成时限, 时间节点, 办结期限 ….
_DEADLINE_HEADER = re.compile(
    r"(?m)(?:^|[\t|])[ \t*]*(?:完成|办结|截止|整改|工作)?(?:时限|时间|期限|时间节点)(?:要求|安排)?[ \t*]*(?=$|[\t|])"
)
_WRITTEN_MONTH_DAY = re.compile(r"(?<!\d)(?:1[0-2]|[1-9])月(?:[12]\d|3[01]|[1-9])日")
# The line above a 落款 date: an issuer's name, CJK only.
_SIGNATURE = re.compile(rf"[{_CJK}（）()]{{2,40}}")
_CELL_BOUNDARIES = "\n\t|"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Decision = tuple[str, str] | None  # (replacement, reason) or None to leave the match alone


def repair(raw: str) -> Repaired:
    """Clean extracted text line by line; returns the text with its origin map and the repairs made."""
    log = _Log(raw)
    text = MappedText.identity(raw).sub("\r\n?", "\n")
    text = log.fix(text, _BOOKMARK, RepairKind.MARKUP, lambda _: ("", "converter bookmark tag"))
    text = log.fix(text, _PAGE_NUMBER, RepairKind.PAGE_NUMBER, lambda _: ("", "a whole line that is a page number"))
    text = log.fix(text, _WEB_CHROME, RepairKind.WEB_CHROME, lambda _: ("", "a whole line that is a site control"))
    text = log.fix(text, _VISIT_COUNTER, RepairKind.WEB_CHROME, lambda _: ("", "a page's visit counter"))
    text = text.sub("\u3000", " ")
    text = text.sub(_SPACE_AFTER_CJK, "")
    text = text.sub(_SPACE_BEFORE_CJK, "")
    text = text.sub(_ENCLOSED_DIGITS, r"\1")
    text = log.fix(text, _LOST_ISSUE_BRACKET, RepairKind.LOST_BRACKET, _issue_bracket)
    text = log.fix(text, _LOST_YEAR_CHAR, RepairKind.LOST_YEAR, _year_char)
    text = log.fix(text, _LOST_MONTH_CHAR, RepairKind.LOST_MONTH, _MonthEvidence(text.text).decide)
    lost_date_chars = log.has(RepairKind.LOST_YEAR, RepairKind.LOST_MONTH)
    text = log.fix(text, _LOST_FULL_DATE, RepairKind.LOST_DATE, lambda match: _full_date(match, lost_date_chars))
    return Repaired(text.text, text.origin, log.repairs())


def split_month_day(digits: str) -> tuple[int, int] | None:
    """Split run-together month and day digits (``1030`` → 10, 30); None unless exactly one split is a date.

    ``530`` can only be 5月30日 and ``120`` only 1月20日, but ``115`` is 1月15日 or 11月5日:
    guessing would state a false date, so an ambiguous split is left alone.
    """
    cuts = {3: (1, 2), 4: (2,)}.get(len(digits), ())
    dates = [
        (int(digits[:cut]), int(digits[cut:]))
        for cut in cuts
        if digits[0] != "0" and digits[cut] != "0" and _is_month_day(int(digits[:cut]), int(digits[cut:]))
    ]
    return dates[0] if len(dates) == 1 else None


def _is_month_day(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]


class _Log:
    """The repairs made to one original text, each with its span in that original."""

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._repairs: list[Repair] = []

    def fix(
        self, text: MappedText, pattern: re.Pattern[str], kind: RepairKind, decide: Callable[[re.Match[str]], Decision]
    ) -> MappedText:
        """Substitute where ``decide`` is certain; log each change."""

        def replace(match: re.Match[str]) -> str:
            decision = decide(match)
            if decision is None:
                return match.group(0)
            replacement, reason = decision
            start, end = text.original_span(match.start(), match.end())
            self._repairs.append(Repair(start, end, self._raw[start:end], replacement, kind, reason))
            return replacement

        return text.sub(pattern, replace)

    def has(self, *kinds: RepairKind) -> bool:
        return any(entry.kind in kinds for entry in self._repairs)

    def repairs(self) -> tuple[Repair, ...]:
        return tuple(sorted(self._repairs, key=lambda entry: entry.start))


def _issue_bracket(match: re.Match[str]) -> Decision:
    return f"〔{match.group(1)}〕{match.group(2)}号", "〔〕 holds only a 文号's year"


def _year_char(match: re.Match[str]) -> Decision:
    return f"{match.group(1)}年{match.group(2)}月", "a year run into a month"


class _MonthEvidence:
    """Where a document's ``1030日`` can only be a date that lost its 月."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._headers = [match.start() for match in _DEADLINE_HEADER.finditer(text)]
        # The document's own style: it writes dates as 月日, or it has deadline columns.
        self._writes_dates = bool(self._headers) or bool(_WRITTEN_MONTH_DAY.search(text))

    def decide(self, match: re.Match[str]) -> Decision:
        split = split_month_day(match.group(1))
        if split is None:
            return None
        month, day = split
        replacement = f"{month}月{day}日"
        text, start, end = self._text, match.start(), match.end()
        before = text[max(0, start - 5) : start]
        deadline = _DEADLINE_AFTER.match(text, end)
        if _YEAR_BEFORE.search(before) and not _DURATION_AFTER.match(text, end):
            return replacement, "follows a year"
        if deadline is None:
            return None
        if self._headers and self._headers[0] < start and _cell(text, start, end) == text[start : deadline.end()]:
            return replacement, "a deadline cell in a table with a time-limit column"
        if self._writes_dates and _DEADLINE_PREPOSITION.search(before):
            return replacement, "a 于…日前 deadline in a document that writes dates with 月"
        return None


def _full_date(match: re.Match[str], lost_date_chars: bool) -> Decision:
    """A 落款 date that lost 年月日: alone on its line under the issuer, in a year the document names,
    in a document that lost 年 or 月 elsewhere (a phone number in a table cell has none of these)."""
    text = match.string
    line_start = text.rfind("\n", 0, match.start()) + 1
    split = split_month_day(match.group(2))
    if not lost_date_chars or split is None or text[line_start : match.start()].strip():
        return None
    if f"{match.group(1)}年" not in text:
        return None
    above = next((line.strip(" \t*#") for line in reversed(text[:line_start].split("\n")) if line.strip()), "")
    if not _SIGNATURE.fullmatch(above):
        return None
    month, day = split
    return f"{match.group(1)}年{month}月{day}日", "a date alone under the issuer; 年月 lost elsewhere"


def _cell(text: str, start: int, end: int) -> str:
    """The table cell (line, tab- or pipe-delimited) around a span, without padding or emphasis."""
    left = max(text.rfind(mark, 0, start) for mark in _CELL_BOUNDARIES) + 1
    right = min((at for mark in _CELL_BOUNDARIES if (at := text.find(mark, end)) >= 0), default=len(text))
    return text[left:right].strip(" *")
