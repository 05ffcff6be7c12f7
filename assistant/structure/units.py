"""Telling a list of organisation names (``市财政局、市税务局等部门``) from a task, and splitting it."""

from __future__ import annotations

import re

# Last characters of organisation names (``…局``, ``…人民政府``, ``…等部门``).
_ORG_SUFFIX = "|".join(
    ["政府", "中心", "部门", "单位", "机关", "街道", "街镇", "新区", "园区", "开发区", "管理区", "高新区",
     *"局委办室部院会联处行所队站馆镇乡县区市组社厅署科"]
)  # fmt: skip
# One unit in a list of responsible units: an organisation, maybe with 等(相关部门). Names carry
# no quotation marks, which tells ``…“四个一网”布局`` (a task) from ``…局``.
_UNIT = re.compile(rf"[^“”\"《》：:]{{1,40}}?(?:{_ORG_SUFFIX})(?:等(?:[^“”\"《》]{{0,8}}(?:部门|单位))?)?")
_BRACKETED = re.compile(r"[（(〈][^（()）〈〉]*[）)〉]")
_SEPARATORS = re.compile(r"[、，,;；]")


def is_unit_list(text: str) -> bool:
    """Whether a cell lists organisations only, e.g. ``市财政局、市税务局等部门,各县(市、区)人民政府。``."""
    bare = _BRACKETED.sub("", text).rstrip("。.；;")
    parts = [part.strip() for part in _SEPARATORS.split(bare) if part.strip()]
    return bool(parts) and all(_UNIT.fullmatch(part) for part in parts)


def first_unit(text: str) -> str:
    """The first organisation of a list (brackets inside a name, ``各镇（街）``, stay with it)."""
    depth = 0
    for at, char in enumerate(text):
        if char in "（(〈":
            depth += 1
        elif char in "）)〉":
            depth -= 1
        elif depth == 0 and _SEPARATORS.match(char):
            return text[:at].strip()
    return text.strip().rstrip("。.")


# Punctuation that ends a sentence or clause: a cell or line ending so is text, not a label or a name.
SENTENCE_END = ("。", "；", ";", "！", "？", "!", "?", "：", ":", "）", ")")
