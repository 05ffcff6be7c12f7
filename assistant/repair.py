"""Undo the damage that extraction did to the documents, keeping a map back to the original.

Only repairs that keep lines intact live here: table rebuilding and the joining of
lines broken mid-sentence need the document's structure, so they happen in
``assistant.structure`` on the text this module returns.
"""

from __future__ import annotations

import re

from assistant.mapped_text import MappedText

# `·  12 —`, `— 3 —`, `- 7 -`: page numbers printed into the extracted text.
_PAGE_FURNITURE = re.compile(r"(?m)^[ \t]*[·•\-—–－]?[ \t]*\d{1,3}[ \t]*[—–\-－][ \t]*\n?")
# Word bookmarks and similar markup leaked by docx converters.
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
# Web-page chrome captured with a document saved from a site.
_WEB_CHROME = re.compile(r"(?m)^[ \t]*(?:\|?[ \t]*无障碍浏览[ \t]*\|?|【字体:?.*|打印|分享到:?.*)[ \t]*\n")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "，。、；：？！（）《》“”‘’【】〔〕"
# `广元市 2021 年` → `广元市2021年`: spaces a PDF put between CJK and digits or Latin.
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=[0-9])")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=[0-9%]) +(?=[{_CJK}{_CJK_PUNCT}])")
_ENCLOSED_DIGITS = re.compile(r"(?<=[〔\[])(\d{4}) +(?=[〕\]])")
# `〔202238号` → `〔2022〕38号`: the closing bracket was lost.
_LOST_ISSUE_BRACKET = re.compile(r"〔((?:19|20)\d{2})(\d{1,4})号")
# `20226月底前` → `2022年6月底前`.
_LOST_YEAR_CHAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{1,2}月)")
# `2022526` alone → `2022年5月26日`.
_LOST_FULL_DATE = re.compile(r"(?<![\d〔\[（(])((?:19|20)\d{2})(\d{3,4})(?![\d号年月日〕\]])")
# `1030日前` → `10月30日前`: a month whose 月 was lost before a day.
_LOST_MONTH_CHAR = re.compile(r"(?<![\d年月.．:：/\-])(\d{3,4})(?=日)")


def repair(raw: str) -> MappedText:
    """Clean extracted text line by line; returns the text with its origin map."""
    text = MappedText.identity(raw).sub("\r\n?", "\n")
    text = text.sub(_BOOKMARK, "")
    text = text.sub(_PAGE_FURNITURE, "")
    text = text.sub(_WEB_CHROME, "")
    text = text.sub("\u3000", " ")
    text = text.sub(_SPACE_AFTER_CJK, "")
    text = text.sub(_SPACE_BEFORE_CJK, "")
    text = text.sub(_ENCLOSED_DIGITS, r"\1")
    text = text.sub(_LOST_ISSUE_BRACKET, r"〔\1〕\2号")
    text = text.sub(_LOST_YEAR_CHAR, r"\1年\2")
    text = text.sub(_LOST_FULL_DATE, _full_date)
    return text.sub(_LOST_MONTH_CHAR, _month_day)


def split_month_day(digits: str) -> tuple[int, int] | None:
    """Split run-together month and day digits (``1030`` → 10, 30); None if no valid split.

    For three digits a one-digit month is preferred (``630`` is 6月30日), as deadlines are
    mostly month ends; a two-digit month is used only when the day would be invalid.
    """
    candidates = (
        [(digits[:1], digits[1:]), (digits[:2], digits[2:])] if len(digits) == 3 else [(digits[:2], digits[2:])]
    )
    for month, day in candidates:
        if month[0] != "0" and day[0] != "0" and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return int(month), int(day)
    return None


def _month_day(match: re.Match[str]) -> str:
    split = split_month_day(match.group(1))
    if split is None:
        return match.group(0)
    month, day = split
    return f"{month}月{day}"


def _full_date(match: re.Match[str]) -> str:
    split = split_month_day(match.group(2))
    if split is None:
        return match.group(0)
    month, day = split
    return f"{match.group(1)}年{month}月{day}日"
