"""Task records written into prose: unit notes after an item, and 牵头单位/配合单位 sections.

Every unit note closes an item (a numbered point or a paragraph): the item text is its task, the
note its units, and a calendar deadline in the item (``2023年年底前``) its deadline. A note is

* a keyed parenthetical, ``（牵头单位：甲，支撑单位：乙）`` or ``（牵头单位：甲；责任单位：乙、丙）``;
* a role parenthetical, ``（甲牵头，乙、丙配合）``;
* a line of its own after the item, ``责任单位：甲、乙`` (several such lines form one note).

A role section is a heading that names a role (``（一）牵头单位``) over lines ``单位：职责`` — one
record per unit, its duties the task.
"""

from __future__ import annotations

import bisect
import re

from assistant.structure.fields import DEADLINE, ROLE_VERBS, TASK, UNIT_FIELDS, UNIT_KEY, field_order, header_field
from assistant.structure.lines import Line, line_cell
from assistant.structure.record_types import TaskRecord
from assistant.structure.sections import MARKDOWN, heading_level, heading_title, strip_numbering
from assistant.structure.units import SENTENCE_END, is_unit_list

_DATE = r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日|底|上旬|中旬|下旬)?|年?底|年内|上半年|下半年)"
# In running text only a calendar date followed by 前 is a deadline (``10个工作日内`` is a rule).
_ITEM_DEADLINE = re.compile(rf"{_DATE}(?:前|以前)")
# Numbering that opens a heading or an item: 一、 （一） 1． （1）, possibly after markdown #.
_ITEM_MARKER = re.compile(
    r"(?:#+\s*)?(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[．.、](?!\d))"
)
# A numbered line this short, without a 。, is a heading; longer ones are items cut by the extractor.
_MAX_HEADING = 30
_MAX_PARENTHETICAL = 600
_KEY = re.compile(rf"\s*({UNIT_KEY.pattern})\s*[:：]\s*")
# Between two keyed parts: ``，`` ``；`` or nothing.
_BEFORE_KEY = re.compile(rf"[，,；;。\s]*(?=(?:{UNIT_KEY.pattern})\s*[:：])")
_ROLE = re.compile(rf"(.+?)(?:等)?({'|'.join(ROLE_VERBS)})")
_PART_SEPARATOR = re.compile(r"[，,；;]")
_UNIT_LINE = re.compile(rf"^[*\s]*(?:{UNIT_KEY.pattern})\s*\**\s*[:：]")
# ``单位：职责`` in a role section.
_DUTY_LINE = re.compile(r"^[*\s]*([^：:]{2,60}?)\s*\**\s*[:：]\s*(.+)$")


def parse_note(content: str) -> dict[str, str] | None:
    """Fields of a unit note's content (``牵头单位：甲；配合单位：乙`` / ``甲牵头，乙配合``), None if it is none."""
    content = content.strip()
    if _KEY.match(content):
        pieces = _KEY.split(_BEFORE_KEY.sub("", content))
        fields: dict[str, str] = {}
        for key, value in zip(pieces[1::2], pieces[2::2], strict=True):
            name = header_field(key) or key
            value = _clean_units(value)
            if value and name not in fields:
                fields[name] = value
        return fields or None
    fields = {}
    for part in _PART_SEPARATOR.split(content):
        role = _ROLE.fullmatch(part.strip())
        if not role or not is_unit_list(role.group(1)) or ROLE_VERBS[role.group(2)] in fields:
            return None
        fields[ROLE_VERBS[role.group(2)]] = role.group(1).strip()
    return fields or None


def _clean_units(value: str) -> str:
    """A note's value without the remarks after its units (``…各县市区。列第一位的为牵头单位，下同``)."""
    value = value.strip()
    head, _, rest = value.partition("。")
    if rest.strip():
        value = head
    return value.rstrip("。；;，, ").strip()


def note_records(text: str, lines: list[Line], tables: list[tuple[int, int]]) -> list[TaskRecord]:
    """One record per unit note outside the tables, for the item it closes."""
    notes = sorted(_parenthetical_notes(text) + _line_notes(lines))
    starts = [line.start for line in lines]
    records = []
    floor = 0
    for opened, close, fields in notes:
        if opened < floor or any(start <= opened < end for start, end in tables):
            continue
        floor = max([floor] + [end for _, end in tables if end <= opened])
        record = _item_record(text, lines, starts, floor, opened, close, fields)
        if record:
            records.append(record)
        floor = close + 1
    return records


def _parenthetical_notes(text: str) -> list[tuple[int, int, dict[str, str]]]:
    """``（…）`` notes: where each opens and closes, and its fields."""
    found = []
    for match in re.finditer(r"[（(]", text):
        close = _closing_paren(text, match.start())
        if close is None:
            continue
        fields = parse_note(text[match.start() + 1 : close])
        if fields:
            found.append((match.start(), close, fields))
    return found


def _line_notes(lines: list[Line]) -> list[tuple[int, int, dict[str, str]]]:
    """Runs of ``责任单位：…`` lines: where each run starts and ends, and its fields."""
    found: list[tuple[int, int, dict[str, str]]] = []
    previous_end = -1
    for line in lines:
        if not _UNIT_LINE.match(line.text):
            if line.text.strip():
                previous_end = -1
            continue
        fields = parse_note(line.text.replace("*", ""))
        if not fields:
            continue
        cell = line_cell(line)
        if found and previous_end == found[-1][1]:
            start, _, merged = found.pop()
            fields = {**merged, **{key: value for key, value in fields.items() if key not in merged}}
        else:
            start = cell.start
        found.append((start, cell.end - 1, fields))
        previous_end = cell.end - 1
    return found


def _closing_paren(text: str, opened: int) -> int | None:
    """Index of the bracket closing the one at ``opened`` (units may hold brackets of their own)."""
    depth = 0
    for at in range(opened, min(len(text), opened + _MAX_PARENTHETICAL)):
        if text[at] in "（(":
            depth += 1
        elif text[at] in "）)":
            depth -= 1
            if depth == 0:
                return at
    return None


def _item_record(
    text: str, lines: list[Line], starts: list[int], floor: int, opened: int, close: int, note: dict[str, str]
) -> TaskRecord | None:
    """The record of the item that ends just before the note at ``opened``."""
    last = opened - 1
    while last >= floor and text[last].isspace():
        last -= 1
    if last < floor:
        return None
    start = _item_start(lines, bisect.bisect_right(starts, last) - 1, floor)
    item = "".join(part.strip() for part in text[start : last + 1].split("\n")).lstrip("。；;，, ")
    marker = _ITEM_MARKER.match(item)
    item = item[marker.end() :].strip() if marker else item
    if not item:
        return None
    fields = {TASK: item, **note}
    deadlines = list(dict.fromkeys(_ITEM_DEADLINE.findall(item)))
    if DEADLINE not in fields and deadlines:
        fields[DEADLINE] = "；".join(deadlines)
    return TaskRecord({name: fields[name] for name in field_order(fields)}, start, close + 1, "")


def _item_start(lines: list[Line], index: int, floor: int) -> int:
    """Where the item ending on line ``index`` starts: at its numbering, or at the first line of
    its paragraph (lines above belong to it while they stop mid-sentence and are no heading)."""
    while not _ITEM_MARKER.match(lines[index].text.strip()):
        above = index - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        if above < 0 or lines[above].end <= floor:
            break
        text = lines[above].text.strip()
        if text.endswith(SENTENCE_END) or (_ITEM_MARKER.match(text) and "。" not in text and len(text) <= _MAX_HEADING):
            break
        index = above
    return max(floor, line_cell(lines[index]).start)


# --- Role sections ----------------------------------------------------------------------------


def role_section_records(lines: list[Line], tables: list[tuple[int, int]]) -> list[TaskRecord]:
    """``单位：职责`` lines under a heading that names a role (牵头单位, 配合单位, 技术支撑单位)."""
    records = []
    role: str | None = None
    role_level = MARKDOWN
    for line in lines:
        if not line.text.strip() or any(start <= line.start < end for start, end in tables):
            continue
        level = heading_level(line.text)
        if level is not None and (role is None or level <= role_level):
            named = header_field(strip_numbering(heading_title(line.text)))
            role, role_level = (named, level) if named in UNIT_FIELDS else (None, MARKDOWN)
            continue
        duty = _DUTY_LINE.match(line.text.replace("*", ""))
        if role and duty and is_unit_list(duty.group(1)):
            cell = line_cell(line)
            records.append(
                TaskRecord({TASK: duty.group(2).strip(), role: duty.group(1).strip()}, cell.start, cell.end, "")
            )
    return records
