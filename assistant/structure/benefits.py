"""Benefit items as records: a subsidy or service stated as 对象/条件/标准/材料/流程/时限/受理部门.

"How much is it, what must I bring, who accepts it" is answered by one item, so each item becomes
a record with typed fields (``fields.benefit_field`` maps the labels). An item is written as

* a heading (``（一）孕检补贴``, ``1、一次性创业资助``) over labelled parts: sub-headings
  (``1.申报条件``), bold labels (``**补贴标准：**…``) or ``标签：内容`` lines; a part runs to the
  next label, and the item to the next heading as outer as its own. Text between the heading and
  the first label that names an amount is its 标准 when no label gives one.
* a two-column table, ``事项名 | 内容`` (markdown or tab rows): one record for the table.

A labelled part counts only if it is deeper than the heading it stands under (``三、托育机构补贴标准``
after ``二、…`` is a heading, not a label), and an item needs two fields, one of them more than a
流程 or 时限.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.structure.fields import (
    BENEFIT_FIELDS,
    STANDARD,
    WEAK_BENEFIT_FIELDS,
    Field,
    benefit_field,
    field_order,
    is_label_like,
)
from assistant.structure.lines import Line, line_cell
from assistant.structure.record_types import BENEFIT_KIND, TaskRecord
from assistant.structure.sections import (
    BOLD,
    HEADING_PATTERNS,
    MARKDOWN,
    QUESTION,
    heading_level,
    heading_title,
    strip_numbering,
)

_LABELLED = re.compile(r"^([^：:]{1,10}?)\s*[:：]\s*(.*)$")
_AMOUNT = re.compile(r"\d[\d,，.]*\s*[万千百]?元")
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CAPTION_CUT = re.compile(r"附件\s*\d*\s*[:：]?|[。；！？]")
MAX_CAPTION = 40


@dataclass
class _Label:
    name: str  # the label's own words
    field: Field | None
    content: str
    level: int | None  # its numbering level, None for an unnumbered label


@dataclass
class _Item:
    title: str
    level: float | None  # the rank of the heading it stands under
    start: int
    end: int
    intro: list[str]
    parts: list[tuple[str, list[str]]] = field(default_factory=list)  # (field name, text pieces)

    def add(self, line: Line, text: str) -> None:
        (self.parts[-1][1] if self.parts else self.intro).append(text)
        self.end = line_cell(line).end


def benefit_records(lines: list[Line]) -> list[TaskRecord]:
    """Every benefit item of a text, from labelled sections and two-column tables."""
    records = _labelled_items(lines) + _two_column_tables(lines)
    return sorted(records, key=lambda record: record.start)


def _rank(level: int) -> float | None:
    """How outer a heading is; a bold or question line sits above numbering. A markdown heading (a page
    or attachment title) is None: under it only unnumbered labels count, and any heading ends an item."""
    return None if level == MARKDOWN else {BOLD: 0.5, QUESTION: 0.6}.get(level, float(level))


def _label(text: str) -> _Label | None:
    """The benefit label a line starts with, if any."""
    bare = re.sub(r"^#{1,6}\s*", "", text.strip()).replace("*", "").strip()
    level = None
    for pattern, pattern_level in HEADING_PATTERNS:
        if match := pattern.match(bare):
            level, bare = pattern_level, bare[match.end() :].strip()
            break
    labelled = _LABELLED.match(bare)
    name, content = (labelled.group(1), labelled.group(2)) if labelled else (bare, "")
    if labelled is None and not is_label_like(name):
        return None
    found = benefit_field(name)
    return _Label(name.strip(), found, content.strip(), level) if found else None


def _labelled_items(lines: list[Line]) -> list[TaskRecord]:
    records: list[TaskRecord] = []
    heading: tuple[float | None, str, Line] | None = None
    intro: list[str] = []
    item: _Item | None = None
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        level = heading_level(line.text)
        reference = item.level if item else (heading[0] if heading else None)
        label = _label(line.text)
        if label and (label.level is None or (reference is not None and _rank(label.level) > reference)):
            if item is None:
                title, start = (heading[1], line_cell(heading[2]).start) if heading else ("", line_cell(line).start)
                item = _Item(title, reference, start, line_cell(line).end, intro)
            item.parts.append((label.field, []))
            if label.content:
                item.add(line, label.content)
            item.end = line_cell(line).end
            continue
        if level is not None:
            if item and item.level is not None and (_rank(level) or -1) > item.level:
                item.add(line, _plain(text))
                continue
            if item:
                records += _close(item)
                item = None
            heading, intro = (_rank(level), strip_numbering(heading_title(line.text)), line), []
            continue
        if item:
            item.add(line, _plain(text))
        else:
            intro.append(_plain(text))
    if item:
        records += _close(item)
    return records


def _plain(text: str) -> str:
    return re.sub(r"^#{1,6}\s*", "", text).replace("*", "").strip()


def _close(item: _Item) -> list[TaskRecord]:
    """The item's record, if its labels make it a benefit item."""
    fields: dict[str, str] = {}
    for name, pieces in item.parts:
        value = "".join(pieces).strip()
        if value and name not in fields:
            fields[name] = value
    intro = "".join(item.intro).strip()
    if STANDARD not in fields and _AMOUNT.search(intro):
        fields[STANDARD] = intro
    return _record(item.title, fields, item.start, item.end)


def _record(title: str, fields: dict[str, str], start: int, end: int, caption: str = "") -> list[TaskRecord]:
    typed = {name for name in fields if name in BENEFIT_FIELDS}
    if len(fields) < 2 or not typed - WEAK_BENEFIT_FIELDS:
        return []
    ordered = {Field.ITEM: title} if title else {}
    ordered.update((name, fields[name]) for name in field_order(fields))
    return [TaskRecord(ordered, start, end, caption, BENEFIT_KIND)]


# --- Two-column tables ------------------------------------------------------------------------


def _cells(text: str) -> list[str]:
    if "|" in text:
        return [cell.strip() for cell in text.strip().removeprefix("|").removesuffix("|").split("|")]
    return [cell.strip() for cell in text.split("\t") if cell.strip()]


def _two_column_tables(lines: list[Line]) -> list[TaskRecord]:
    """``标签 | 内容`` rows in a run (a markdown rule may follow the first); one record per run."""
    records: list[TaskRecord] = []
    run: list[tuple[str, str, int, Line]] = []  # label, content, where the row starts, its line
    caption = ""
    for index, line in enumerate(lines):
        if _MARKDOWN_RULE.match(line.text) and run:
            continue
        cells = _cells(line.text) if ("|" in line.text or "\t" in line.text) else []
        above_rule = index + 1 < len(lines) and bool(_MARKDOWN_RULE.match(lines[index + 1].text))
        if len(cells) == 2 or (above_rule and not run and len(cells) > 2):
            start = line_cell(line).start
            if not run:
                caption = _caption("|".join(cells[:-2]) or _previous_text(lines, index))
                if len(cells) > 2:  # the header row glued to the paragraph before it
                    start = line.start + line.text.rindex(cells[-2], 0, line.text.rindex(cells[-1]))
            run.append((cells[-2], cells[-1], start, line))
            continue
        records += _table_record(caption, run)
        run = []
    records += _table_record(caption, run)
    return records


def _previous_text(lines: list[Line], index: int) -> str:
    return next((line.text for line in reversed(lines[:index]) if line.text.strip()), "")


def _caption(text: str) -> str:
    """A table's name: the end of the text before it, after its last 附件N or sentence."""
    pieces = _CAPTION_CUT.split(_plain(text))
    tail = pieces[-1].strip() if pieces else ""
    return tail if len(tail) <= MAX_CAPTION else ""


def _table_record(caption: str, run: list[tuple[str, str, int, Line]]) -> list[TaskRecord]:
    fields: dict[str, str] = {}
    for label, content, _, _ in run:
        name = strip_numbering(_plain(label))
        if not content or not is_label_like(name):
            continue
        key = benefit_field(name)
        key = key if key is not None and key not in fields else name
        fields.setdefault(key, content)
    if not run:
        return []
    return _record(caption, fields, run[0][2], line_cell(run[-1][3]).end, caption)
