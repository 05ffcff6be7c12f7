"""Task records rebuilt from 分工表 tables, and the entry point for every kind of record.

A question like "who is responsible for X, and by when" is answered by one row of a 分工表, so
each row becomes a record that is indexed whole. Any header naming a task column and who or when
is a task table (``fields.header_field`` maps its words onto typed fields). Extraction flattened
the tables in four layouts, told apart by how the header cells sit in the text:

* tab rows (also HTML tables, which the loader writes so): the header is one line
  ``序号\\t工作任务\\t…``; each row is one line of tab-separated cells. Trailing tabs come and go, so a
  row is read from the right: the last cells are the columns after the task, the cell before them
  is the task, anything in front is leading cells.
* markdown rows: ``| 序号 | 主要任务 | 完成时间 |`` over a ``---|---`` rule, read like tab rows.
* tab cells: one cell per line, each line starting with a tab; a cell's text runs on over the
  following lines that have no tab. Every row has exactly as many cells as the header.
* paragraph cells: one cell per blank-line-separated paragraph. Merged cells are printed once,
  so a row only holds the cells that start in it; a row begins with its 序号 only where the
  merged 序号/工作任务 cells start, and a date like ``10月30日前`` ends it.

Merged cells are carried down the way a reader of the printed table does:

* Columns left of the task (工作任务, 一级指标, 二级指标) always carry down. 工作任务 belongs to its
  序号: it changes only on a row that starts a new 序号 (a repeated 序号 is the same merged cell
  continued on a new page). Other text in front of the task is the sub-heading that 达州 tables
  set inside the 重点工作任务 column; it prefixes 重点工作 (``小标题：任务``) and carries down until
  the next sub-heading or 序号.
* Unit and deadline columns carry down only where the cell is visibly merged: an empty cell
  (a lone tab) in the tab layouts, or a paragraph-layout row that goes on without them. Cells
  missing because the text ends (a truncated last row) are not filled in.
* ``—`` / ``-`` / ``/`` means "none": the field is left out, and rows merged below it stay without it.

Outside tables, ``notes`` reads ``（责任单位：…）`` items and 牵头单位/配合单位 sections, ``benefits``
the benefit items. Where a document says ``列第一位的为牵头单位``, the first responsible unit of
every record is its lead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.structure import benefits, notes
from assistant.structure.fields import (
    CATEGORY,
    CO_UNITS,
    DEADLINE,
    FIELD_ORDER,
    FIRST_IS_LEAD,
    LEAD,
    RESPONSIBLE,
    SERIAL,
    TASK,
    field_order,
    header_field,
    is_label_like,
)
from assistant.structure.lines import Cell, Line, line_cell, split_lines
from assistant.structure.record_types import BENEFIT_KIND, ExtractedRecords, TaskRecord
from assistant.structure.units import SENTENCE_END, first_unit, is_unit_list

__all__ = ["DEADLINE", "FIELD_ORDER", "SERIAL", "TASK", "ExtractedRecords", "TaskRecord", "extract_records",
           "is_unit_list"]  # fmt: skip

MIN_HEADER_CELLS = 3
NO_VALUE = frozenset({"—", "-", "－", "–", "/", "／", "无"})
# A sub-heading is a short phrase; a task that is a whole sentence ends in punctuation.
MAX_SUBHEADING = 30

_SERIAL_CELL = re.compile(r"\d{1,3}")
_DATE = r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日|底|上旬|中旬|下旬)?|年?底|年内|上半年|下半年)"
_DEADLINE_CELL = re.compile(
    rf"{_DATE}(?:前|以前)?|(?:及时|长期|每月|每季度|每年|适时|定期|持续|常态化)(?:公开|坚持|办理|发布|更新|开展)?"
)
_TABLE_END = re.compile(r"(?:备注|注|说明)\s*[:：]|附件|[一二三四五六七八九十]+、")
_CAPTION_END = ("表", "清单")
_MARKUP = re.compile(r"^[#*\s]+|[*\s]+$")
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]\s*")
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def extract_records(text: str) -> ExtractedRecords:
    """Read every task table, unit note, role section and benefit item of a repaired text."""
    lines = split_lines(text)
    tables = _find_tables(lines)
    spans = [(table.start, table.end) for table in tables]
    records = [record for table in tables for record in table.records]
    records += notes.note_records(text, lines, spans)
    records += notes.role_section_records(lines, spans)
    records += benefits.benefit_records(lines)
    if FIRST_IS_LEAD.search(text):
        for record in records:
            if record.kind != BENEFIT_KIND and RESPONSIBLE in record.fields and LEAD not in record.fields:
                record.fields[LEAD] = first_unit(record.fields[RESPONSIBLE])
                record.fields = {name: record.fields[name] for name in field_order(record.fields)}
    records.sort(key=lambda record: record.start)
    return ExtractedRecords(records, spans)


@dataclass
class _Table:
    """A table being read: its columns, the merged cells carried down so far, its records."""

    title: str
    columns: list[str]
    start: int
    end: int = 0
    records: list[TaskRecord] = field(default_factory=list)
    carried: dict[str, str] = field(default_factory=dict)
    serial: str = ""
    subheading: str = ""

    @property
    def task_at(self) -> int:
        return self.columns.index(TASK)

    @property
    def named_lead(self) -> list[str]:
        """Columns left of the task that become fields (序号 does not)."""
        return [column for column in self.columns[: self.task_at] if column != SERIAL]

    @property
    def after_task(self) -> list[str]:
        return self.columns[self.task_at + 1 :]


# --- Finding tables -------------------------------------------------------------------------


def _find_tables(lines: list[Line]) -> list[_Table]:
    """Every task table; a header repeated right after a table (a page break) continues it."""
    tables: list[_Table] = []
    index = 0
    while index < len(lines):
        found = _detect_header(lines, index)
        if found is None:
            index += 1
            continue
        parse, columns, body = found
        previous = tables[-1] if tables else None
        if previous and previous.columns == columns and _blank_between(lines, previous.end, lines[index].start):
            table = previous
        else:
            table = _Table(_caption(lines, index), columns, line_cell(lines[index]).start)
            tables.append(table)
        index = parse(lines, body, table)
    return [table for table in tables if table.records]


_Parser = Callable[[list[Line], int, _Table], int]


def _detect_header(lines: list[Line], index: int) -> tuple[_Parser, list[str], int] | None:
    """The parser for the table whose header starts at ``index``, its columns and first body line."""
    text = lines[index].text
    if "|" in text and index + 1 < len(lines) and _MARKDOWN_RULE.match(lines[index + 1].text):
        width = len(_pipe_cells(lines[index + 1].text))
        columns = _header_columns(_pipe_cells(text)[-width:])
        return (_parse_pipe_rows, columns, index + 2) if columns else None
    cells = [cell.strip() for cell in text.split("\t") if cell.strip()]
    if len(cells) > 1:
        columns = _header_columns(cells)
        return (_parse_tab_rows, columns, index + 1) if columns else None
    if text.startswith("\t"):
        end = index
        while end < len(lines) and lines[end].text.startswith("\t") and is_label_like(lines[end].text):
            end += 1
        columns = _header_columns([line.text.strip() for line in lines[index:end]])
        return (_parse_tab_cells, columns, end) if columns else None
    return _paragraph_header(lines, index)


def _paragraph_header(lines: list[Line], index: int) -> tuple[_Parser, list[str], int] | None:
    """Header cells as one-line paragraphs (``序号``, blank, ``工作任务``, blank, …)."""
    if header_field(lines[index].text) is None or (index > 0 and lines[index - 1].text.strip()):
        return None
    words: list[tuple[str, int]] = []  # each header word and the line after it
    end = index
    while (paragraph := _next_paragraph(lines, end)) and is_label_like(paragraph[0].text):
        cell, first, after = paragraph
        if after - first > 1:
            break
        words.append((cell.text, after))
        end = after
    # Label-like words after the last column name are the first body cells (``深化主动公开``).
    while words and header_field(words[-1][0]) is None:
        words.pop()
    columns = _header_columns([word for word, _ in words])
    return (_parse_paragraph_cells, columns, words[-1][1]) if columns else None


def _header_columns(cells: list[str]) -> list[str] | None:
    """Fields of a task-table header, or None if these cells are not one.

    A header names a task column and who or when; the rightmost task-like column is the task and
    one left of it is its group (工作事项 | 主要内容). Columns naming no field, or one already taken,
    keep their own header.
    """
    kinds = [header_field(cell) for cell in cells]
    known = [kind for kind in kinds if kind is not None]
    if (
        len(cells) < MIN_HEADER_CELLS
        or TASK not in known
        or not {LEAD, CO_UNITS, RESPONSIBLE, DEADLINE} & set(known)
        or 2 * len(known) <= len(cells)
    ):
        return None
    last_task = max(at for at, kind in enumerate(kinds) if kind == TASK)
    columns: list[str] = []
    for at, (cell, kind) in enumerate(zip(cells, kinds, strict=True)):
        name: str | None = CATEGORY if kind == TASK and at != last_task else kind
        if name is None or name in columns:
            name = re.sub(r"\s+", "", cell)
        columns.append(name)
    return columns


def _blank_between(lines: list[Line], start: int, end: int) -> bool:
    return all(not line.text.strip() for line in lines if start < line.start < end)


def _caption(lines: list[Line], index: int) -> str:
    """The table's title: the nearest line above ending in 表/清单, not looking back into prose."""
    looked = 0
    for line in reversed(lines[:index]):
        text = _ATTACHMENT.sub("", _MARKUP.sub("", line.text))
        if not text:
            continue
        if text.endswith(_CAPTION_END):
            return text
        looked += 1
        if text.endswith("。") or looked == 5:
            break
    return ""


# --- Layout: tab rows -----------------------------------------------------------------------


def _parse_tab_rows(lines: list[Line], index: int, table: _Table) -> int:
    """One row per line; blank lines are skipped, a line without tabs ends the table."""
    while index < len(lines):
        line = lines[index]
        if line.text.strip():
            if "\t" not in line.text or _detect_header(lines, index):
                break
            _add_row(table, line.text.split("\t"), line.start, line.end)
        index += 1
    return index


def _pipe_cells(text: str) -> list[str]:
    """The cells of a markdown table row, ``| a | b |`` or ``a | b``."""
    return [cell.strip() for cell in text.strip().removeprefix("|").removesuffix("|").split("|")]


def _parse_pipe_rows(lines: list[Line], index: int, table: _Table) -> int:
    """Markdown table rows: one per line, up to the first line that is not one."""
    while index < len(lines) and "|" in lines[index].text and not _MARKDOWN_RULE.match(lines[index].text):
        line = lines[index]
        _add_row(table, _pipe_cells(line.text), line.start, line.end, merged=False)
        index += 1
    return index


def _add_row(table: _Table, cells: list[str], start: int, end: int, merged: bool = True) -> None:
    """A row of cells read from the right: trailing empty cells come and go, leading ones are merged.

    ``merged``: whether an empty cell is merged with the one above (a markdown table has no merged cells).
    """
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1] and len(cells) != len(table.columns):  # a full row keeps its empty cells
        cells.pop()
    task_at = len(cells) - len(table.after_task) - 1
    if task_at < 0:  # too few cells to hold a task and its columns: not a row
        return
    _read_lead(table, cells[:task_at])
    values: dict[str, str | None] = dict.fromkeys(table.named_lead)
    values[TASK] = cells[task_at]
    after = zip(table.after_task, cells[task_at + 1 :], strict=False)
    values.update((column, cell or (None if merged else "")) for column, cell in after)
    _emit(table, values, start, end)


def _read_lead(table: _Table, cells: list[str]) -> None:
    """Update the carried columns left of the task from a row's leading cells.

    With a 序号 column, the named columns change only on a new 序号; leading text that is not
    the carried 工作任务 is a sub-heading. Without one, leading cells fill the columns in order.
    """
    named = table.named_lead
    if table.columns[0] != SERIAL:
        table.carried.update((column, cell) for column, cell in zip(named, cells, strict=False) if cell)
        return
    serial = cells[0] if cells and _SERIAL_CELL.fullmatch(cells[0]) else ""
    rest = cells[1:] if cells and (serial or not cells[0]) else cells
    if serial and serial != table.serial:
        table.serial, table.subheading = serial, ""
        for column in named:
            table.carried.pop(column, None)
        table.carried.update((column, cell) for column, cell in zip(named, rest, strict=False) if cell)
        rest = rest[len(named) :]
    known = {table.carried.get(column) for column in named}
    subheadings = [cell for cell in rest if cell and cell not in known]
    if subheadings:
        table.subheading = subheadings[-1]


def _emit(table: _Table, values: dict[str, str | None], start: int, end: int) -> None:
    """Turn a row into a record: ``None`` values are merged cells, filled from the rows above."""
    if not values.get(TASK):
        return
    for column, value in values.items():
        if value is not None:
            table.carried[column] = "" if value in NO_VALUE else value
    fields = {}
    for name in table.columns:
        value = table.carried.get(name, "") if name in values and name != SERIAL else ""
        if name == TASK and table.subheading:
            value = f"{table.subheading}：{value}"
        if value:
            fields[name] = value
    fields = {name: fields[name] for name in field_order(fields)}
    table.records.append(TaskRecord(fields, start, end, table.title))
    table.end = max(table.end, end)


# --- Layout: tab cells ----------------------------------------------------------------------


def _parse_tab_cells(lines: list[Line], index: int, table: _Table) -> int:
    """Cells of one tabbed line each, run on over untabbed lines; rows are header-wide groups."""
    cells: list[Cell] = []
    after_blank = False
    while index < len(lines):
        line = lines[index]
        if line.text.startswith("\t"):  # a lone tab is an empty (merged) cell
            if _detect_header(lines, index):
                break
            cells.append(Cell(line.text.strip(), line.start, line.end))
            after_blank = False
        elif not line.text.strip():
            after_blank = True
        elif cells and not after_blank and "\t" not in line.text:
            cells[-1].text += line.text.strip()
            cells[-1].end = line.end
        else:
            break
        index += 1
    width = len(table.columns)
    for first in range(0, len(cells), width):
        row = cells[first : first + width]
        values = {column: cell.text or None for column, cell in zip(table.columns, row, strict=False)}
        _emit(table, values, row[0].start, row[-1].end)
    return index


# --- Layout: paragraph cells ----------------------------------------------------------------


def _next_paragraph(lines: list[Line], index: int) -> tuple[Cell, int, int] | None:
    """The next paragraph from ``index`` as one cell, with its first line and the line after it."""
    while index < len(lines) and not lines[index].text.strip():
        index += 1
    if index == len(lines):
        return None
    first = index
    while index < len(lines) and lines[index].text.strip():
        index += 1
    parts = [line_cell(line) for line in lines[first:index]]
    return Cell("".join(part.text for part in parts), parts[0].start, parts[-1].end), first, index


def _parse_paragraph_cells(lines: list[Line], index: int, table: _Table) -> int:
    """Collect paragraph cells up to a 备注/附件/heading line, another layout or header; read rows."""
    cells: list[Cell] = []
    while paragraph := _next_paragraph(lines, index):
        cell, first, after = paragraph
        if _TABLE_END.match(cell.text) or "\t" in lines[first].text or _detect_header(lines, first):
            break
        cells.append(cell)
        index = after
    _read_paragraph_rows(table, cells)
    return index


def _read_paragraph_rows(table: _Table, cells: list[Cell]) -> None:
    """Rows are ``[序号 工作任务…] [sub-heading] task`` followed by those later cells that are there.

    A cell after the task fills its column only if it looks like one (a date for 完成时限, a
    list of units otherwise); a missing one was merged with the row above. A final task with
    none of them is text after the table, not a row.
    """
    lead_width = 1 + len(table.named_lead)
    row_start: int | None = None
    at = 0
    while at < len(cells):
        cell = cells[at]
        row_start = cell.start if row_start is None else row_start
        if _SERIAL_CELL.fullmatch(cell.text):
            _read_lead(table, [lead.text for lead in cells[at : at + lead_width]])
            at += lead_width
            continue
        if at + 1 < len(cells) and _is_subheading(cell.text) and _is_text(cells[at + 1].text):
            table.subheading = cell.text
            at += 1
            continue
        values: dict[str, str | None] = dict.fromkeys(table.named_lead)
        values[TASK] = cell.text
        end = cell.end
        at += 1
        for column in table.after_task:
            if at < len(cells) and _fits(column, cells, at):
                values[column], end = cells[at].text, cells[at].end
                at += 1
            else:
                values[column] = None
        if at == len(cells) and all(values[column] is None for column in table.after_task):
            break
        _emit(table, values, row_start, end)
        row_start = None


def _fits(column: str, cells: list[Cell], at: int) -> bool:
    """Whether ``cells[at]`` belongs in ``column`` of the row whose task came just before."""
    text = cells[at].text
    if text in NO_VALUE:
        return True
    if _SERIAL_CELL.fullmatch(text):
        return False
    if column == DEADLINE:
        return bool(_DEADLINE_CELL.fullmatch(text))
    followed_by_date = at + 1 < len(cells) and bool(_DEADLINE_CELL.fullmatch(cells[at + 1].text))
    return not _DEADLINE_CELL.fullmatch(text) and (is_unit_list(text) or followed_by_date)


def _is_text(text: str) -> bool:
    """Neither 序号, date nor unit list: a task or a sub-heading."""
    return not (
        text in NO_VALUE or _SERIAL_CELL.fullmatch(text) or _DEADLINE_CELL.fullmatch(text) or is_unit_list(text)
    )


def _is_subheading(text: str) -> bool:
    return _is_text(text) and len(text) <= MAX_SUBHEADING and not text.endswith(SENTENCE_END)
