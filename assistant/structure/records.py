"""Task records rebuilt from 分工表 tables and ``（责任单位：…）`` parentheticals.

A question like "who is responsible for X, and by when" is answered by one row of a 分工表, so
each row becomes a record that is indexed whole. Extraction flattened the tables in three
layouts, told apart by how the header cells sit in the text:

* tab rows: the header is one line ``序号\\t工作任务\\t…``; each row is one line of tab-separated
  cells. Trailing tabs come and go, so a row is read from the right: the last cells are the
  columns after 重点工作, the cell before them is the task, anything in front is leading cells.
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
* 牵头单位, 责任单位 and 完成时限 carry down only where the cell is visibly merged: an empty cell
  (a lone tab) in the tab layouts, or a paragraph-layout row that goes on without them. Cells
  missing because the text ends (a truncated last row) are not filled in.
* ``—`` / ``-`` means "none": the field is left out, and rows merged below it stay without it.

Outside tables, every ``（责任单位：…）`` closes an item (a numbered point or a paragraph): the item
text is its 重点工作, the parenthetical its units, and a calendar deadline in the item
(``2023年年底前``) its 完成时限.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

FIELD_ORDER = ("一级指标", "二级指标", "工作任务", "重点工作", "牵头单位", "责任单位", "完成时限")
SERIAL = "序号"
TASK = "重点工作"
DEADLINE = "完成时限"
# Header cell → record field. 序号 is no field: it orders rows and keys the merged 工作任务 cells.
HEADER_FIELDS = {
    "序号": SERIAL,
    "一级指标": "一级指标",
    "二级指标": "二级指标",
    "工作任务": "工作任务",
    "重点工作任务": TASK,
    "重点工作": TASK,
    "牵头单位": "牵头单位",
    "责任单位": "责任单位",
    "责任部门": "责任单位",
    "完成时限": DEADLINE,
    "完成时间": DEADLINE,
}
MIN_HEADER_CELLS = 3
NO_VALUE = frozenset({"—", "-", "－", "–", "/", "无"})
# A sub-heading is a short phrase; a task that is a whole sentence ends in punctuation.
MAX_SUBHEADING = 30

_SERIAL_CELL = re.compile(r"\d{1,3}")
_DATE = r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日|底|上旬|中旬|下旬)?|年?底|年内|上半年|下半年)"
_DEADLINE_CELL = re.compile(
    rf"{_DATE}(?:前|以前)?|(?:及时|长期|每月|每季度|每年|适时|定期|持续|常态化)(?:公开|坚持|办理|发布|更新|开展)?"
)
# In running text only a calendar date followed by 前 is a deadline (``10个工作日内`` is a rule).
_ITEM_DEADLINE = re.compile(rf"{_DATE}(?:前|以前)")
# Last characters of organisation names (``…局``, ``…人民政府``, ``…等部门``).
_ORG_SUFFIX = "|".join(
    ["政府", "中心", "部门", "单位", "机关", "街道", *"局委办室部院会联处行所队站馆镇乡县区市组社厅署"]
)
# One unit in a list of responsible units: an organisation, maybe with 等(相关部门). Names carry
# no quotation marks, which tells ``…“四个一网”布局`` (a task) from ``…局``.
_UNIT = re.compile(rf"[^“”\"《》]{{1,40}}?(?:{_ORG_SUFFIX})(?:等(?:[^“”\"《》]{{0,8}}(?:部门|单位))?)?")
_BRACKETED = re.compile(r"[（(〈][^（()）〈〉]*[）)〉]")
_TABLE_END = re.compile(r"(?:备注|注|说明)\s*[:：]|附件|[一二三四五六七八九十]+、")
_CAPTION_END = ("表", "清单")
_MARKUP = re.compile(r"^[#*\s]+|[*\s]+$")
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]\s*")
# Numbering that opens a heading or an item: 一、 （一） 1． （1）, possibly after markdown #.
_ITEM_MARKER = re.compile(
    r"(?:#+\s*)?(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[．.、](?!\d))"
)
# A numbered line this short, without a 。, is a heading; longer ones are items cut by the extractor.
_MAX_HEADING = 30
_SENTENCE_END = ("。", "；", ";", "！", "？", "!", "?", "：", ":", "）", ")")
_PAREN_OPEN = re.compile(r"[（(](?=\s*(?:牵头单位|责任单位)\s*[:：])")
_PAREN_KEY = re.compile(r"\s*(牵头单位|责任单位|完成时限)\s*[:：]\s*")
_MAX_PARENTHETICAL = 600


@dataclass
class TaskRecord:
    """One task with who does it and by when; the span points into the text it came from."""

    fields: dict[str, str]
    start: int
    end: int
    table_title: str

    def render(self) -> str:
        """``字段：值`` lines in a fixed order, so a record reads the same whichever layout it came from."""
        return "\n".join(f"{name}：{self.fields[name]}" for name in FIELD_ORDER if name in self.fields)


@dataclass
class ExtractedRecords:
    """Records of a text, and the table spans that the prose parser must not read as prose."""

    records: list[TaskRecord]
    table_spans: list[tuple[int, int]]


def extract_records(text: str) -> ExtractedRecords:
    """Read every task table and every ``（责任单位：…）`` item of a repaired text."""
    lines = _split_lines(text)
    tables = _find_tables(lines)
    spans = [(table.start, table.end) for table in tables]
    records = [record for table in tables for record in table.records]
    records += _parenthetical_records(text, lines, spans)
    records.sort(key=lambda record: record.start)
    return ExtractedRecords(records, spans)


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


@dataclass
class _Cell:
    text: str
    start: int
    end: int


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


def _split_lines(text: str) -> list[_Line]:
    lines = []
    start = 0
    for piece in text.split("\n"):
        lines.append(_Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return lines


def _cell(line: _Line) -> _Cell:
    """A line's text as a cell, its span without the surrounding whitespace."""
    stripped = line.text.strip()
    start = line.start + len(line.text) - len(line.text.lstrip())
    return _Cell(stripped, start, start + len(stripped))


# --- Finding tables -------------------------------------------------------------------------


def _find_tables(lines: list[_Line]) -> list[_Table]:
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
            table = _Table(_caption(lines, index), columns, _cell(lines[index]).start)
            tables.append(table)
        index = parse(lines, body, table)
    return [table for table in tables if table.records]


_Parser = Callable[[list[_Line], int, _Table], int]


def _detect_header(lines: list[_Line], index: int) -> tuple[_Parser, list[str], int] | None:
    """The parser for the table whose header starts at ``index``, its columns and first body line."""
    text = lines[index].text
    cells = [cell.strip() for cell in text.split("\t") if cell.strip()]
    if len(cells) > 1:
        columns = _header_columns(cells)
        return (_parse_tab_rows, columns, index + 1) if columns else None
    if text.startswith("\t"):
        end = index
        while end < len(lines) and lines[end].text.startswith("\t") and lines[end].text.strip() in HEADER_FIELDS:
            end += 1
        columns = _header_columns([line.text.strip() for line in lines[index:end]])
        return (_parse_tab_cells, columns, end) if columns else None
    return _paragraph_header(lines, index)


def _paragraph_header(lines: list[_Line], index: int) -> tuple[_Parser, list[str], int] | None:
    """Header cells as one-line paragraphs (``序号``, blank, ``工作任务``, blank, …)."""
    if lines[index].text.strip() not in HEADER_FIELDS or (index > 0 and lines[index - 1].text.strip()):
        return None
    words: list[str] = []
    end = index
    while (paragraph := _next_paragraph(lines, end)) and paragraph[0].text in HEADER_FIELDS:
        cell, first, after = paragraph
        if after - first > 1:
            break
        words.append(cell.text)
        end = after
    columns = _header_columns(words)
    return (_parse_paragraph_cells, columns, end) if columns else None


def _header_columns(cells: list[str]) -> list[str] | None:
    """Fields of a task-table header, or None if these cells are not one."""
    if len(cells) < MIN_HEADER_CELLS or any(cell not in HEADER_FIELDS for cell in cells):
        return None
    columns = [HEADER_FIELDS[cell] for cell in cells]
    return columns if TASK in columns else None


def _blank_between(lines: list[_Line], start: int, end: int) -> bool:
    return all(not line.text.strip() for line in lines if start < line.start < end)


def _caption(lines: list[_Line], index: int) -> str:
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


def _parse_tab_rows(lines: list[_Line], index: int, table: _Table) -> int:
    """One row per line; blank lines are skipped, a line without tabs ends the table."""
    while index < len(lines):
        line = lines[index]
        if line.text.strip():
            if "\t" not in line.text or _detect_header(lines, index):
                break
            _add_tab_row(table, line)
        index += 1
    return index


def _add_tab_row(table: _Table, line: _Line) -> None:
    cells = [cell.strip() for cell in line.text.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    task_at = len(cells) - len(table.after_task) - 1
    if task_at < 0:  # too few cells to hold a task and its columns: not a row
        return
    _read_lead(table, cells[:task_at])
    values: dict[str, str | None] = dict.fromkeys(table.named_lead)
    values[TASK] = cells[task_at]
    values.update((column, cell or None) for column, cell in zip(table.after_task, cells[task_at + 1 :], strict=False))
    _emit(table, values, line.start, line.end)


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
    for name in FIELD_ORDER:
        value = table.carried.get(name, "") if name in values else ""
        if name == TASK and table.subheading:
            value = f"{table.subheading}：{value}"
        if value:
            fields[name] = value
    table.records.append(TaskRecord(fields, start, end, table.title))
    table.end = max(table.end, end)


# --- Layout: tab cells ----------------------------------------------------------------------


def _parse_tab_cells(lines: list[_Line], index: int, table: _Table) -> int:
    """Cells of one tabbed line each, run on over untabbed lines; rows are header-wide groups."""
    cells: list[_Cell] = []
    after_blank = False
    while index < len(lines):
        line = lines[index]
        if line.text.startswith("\t"):  # a lone tab is an empty (merged) cell
            if _detect_header(lines, index):
                break
            cells.append(_Cell(line.text.strip(), line.start, line.end))
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


def _next_paragraph(lines: list[_Line], index: int) -> tuple[_Cell, int, int] | None:
    """The next paragraph from ``index`` as one cell, with its first line and the line after it."""
    while index < len(lines) and not lines[index].text.strip():
        index += 1
    if index == len(lines):
        return None
    first = index
    while index < len(lines) and lines[index].text.strip():
        index += 1
    parts = [_cell(line) for line in lines[first:index]]
    return _Cell("".join(part.text for part in parts), parts[0].start, parts[-1].end), first, index


def _parse_paragraph_cells(lines: list[_Line], index: int, table: _Table) -> int:
    """Collect paragraph cells up to a 备注/附件/heading line, another layout or header; read rows."""
    cells: list[_Cell] = []
    while paragraph := _next_paragraph(lines, index):
        cell, first, after = paragraph
        if _TABLE_END.match(cell.text) or "\t" in lines[first].text or _detect_header(lines, first):
            break
        cells.append(cell)
        index = after
    _read_paragraph_rows(table, cells)
    return index


def _read_paragraph_rows(table: _Table, cells: list[_Cell]) -> None:
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


def _fits(column: str, cells: list[_Cell], at: int) -> bool:
    """Whether ``cells[at]`` belongs in ``column`` of the row whose task came just before."""
    text = cells[at].text
    if _SERIAL_CELL.fullmatch(text):
        return False
    if column == DEADLINE:
        return bool(_DEADLINE_CELL.fullmatch(text))
    followed_by_date = at + 1 < len(cells) and bool(_DEADLINE_CELL.fullmatch(cells[at + 1].text))
    return not _DEADLINE_CELL.fullmatch(text) and (is_unit_list(text) or followed_by_date)


def is_unit_list(text: str) -> bool:
    """Whether a cell lists organisations only, e.g. ``市财政局、市税务局等部门,各县(市、区)人民政府。``."""
    bare = _BRACKETED.sub("", text).rstrip("。.；;")
    parts = [part.strip() for part in re.split(r"[、，,;；]", bare) if part.strip()]
    return bool(parts) and all(_UNIT.fullmatch(part) for part in parts)


def _is_text(text: str) -> bool:
    """Neither 序号, date nor unit list: a task or a sub-heading."""
    return not (_SERIAL_CELL.fullmatch(text) or _DEADLINE_CELL.fullmatch(text) or is_unit_list(text))


def _is_subheading(text: str) -> bool:
    return _is_text(text) and len(text) <= MAX_SUBHEADING and not text.endswith(_SENTENCE_END)


# --- Parentheticals -------------------------------------------------------------------------


def _parenthetical_records(text: str, lines: list[_Line], tables: list[tuple[int, int]]) -> list[TaskRecord]:
    """One record per ``（责任单位：…）`` outside the tables, for the item it closes."""
    starts = [line.start for line in lines]
    records = []
    floor = 0
    for match in _PAREN_OPEN.finditer(text):
        opened = match.start()
        close = _closing_paren(text, opened)
        if close is None or any(start <= opened < end for start, end in tables):
            continue
        floor = max([floor] + [end for _, end in tables if end <= opened])
        record = _item_record(text, lines, starts, floor, opened, close)
        if record:
            records.append(record)
        floor = close + 1
    return records


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
    text: str, lines: list[_Line], starts: list[int], floor: int, opened: int, close: int
) -> TaskRecord | None:
    """The record of the item that ends just before the parenthetical at ``opened``."""
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
    fields = {TASK: item, **_parenthetical_fields(text[opened + 1 : close])}
    deadlines = list(dict.fromkeys(_ITEM_DEADLINE.findall(item)))
    if DEADLINE not in fields and deadlines:
        fields[DEADLINE] = "；".join(deadlines)
    ordered = {name: fields[name] for name in FIELD_ORDER if fields.get(name)}
    return TaskRecord(ordered, start, close + 1, "")


def _item_start(lines: list[_Line], index: int, floor: int) -> int:
    """Where the item ending on line ``index`` starts: at its numbering, or at the first line of
    its paragraph (lines above belong to it while they stop mid-sentence and are no heading)."""
    while not _ITEM_MARKER.match(lines[index].text.strip()):
        above = index - 1
        while above >= 0 and not lines[above].text.strip():
            above -= 1
        if above < 0 or lines[above].end <= floor:
            break
        text = lines[above].text.strip()
        if text.endswith(_SENTENCE_END) or (
            _ITEM_MARKER.match(text) and "。" not in text and len(text) <= _MAX_HEADING
        ):
            break
        index = above
    return max(floor, _cell(lines[index]).start)


def _parenthetical_fields(content: str) -> dict[str, str]:
    """``牵头单位：甲；责任单位：乙、丙`` → fields."""
    pieces = _PAREN_KEY.split(content)
    return {key: value.strip().rstrip("；;，,").strip() for key, value in zip(pieces[1::2], pieces[2::2], strict=True)}
