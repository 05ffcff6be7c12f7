"""Record field names, and the header and label words of every layout mapped onto them, in one place.

Documents name the same column many ways (配合单位/协办单位/支撑单位, 完成时限/时间节点/完成时间);
a record stores it under one typed name, so the answerer reads ``fields[LEAD]`` whatever the table
said. A column or label that maps to no field, or to one already taken in the same table or item
(``市卫健委内牵头处室`` after ``牵头单位``), is kept under its own words.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Field(StrEnum):
    """A record field; its value is the label shown to users (``牵头单位：…``) and stored in the index."""

    SERIAL = "序号"  # orders rows and keys merged cells; never stored
    INDICATOR_1 = "一级指标"
    INDICATOR_2 = "二级指标"
    CATEGORY = "工作任务"  # the task-group cell left of the task (工作任务, 工作事项)
    TASK = "重点工作"
    LEAD = "牵头单位"
    CO_UNITS = "配合单位"
    RESPONSIBLE = "责任单位"
    DEADLINE = "完成时限"
    # Benefit items (补贴、待遇、办事指南): what is granted, to whom, how to get it.
    ITEM = "事项"
    TARGET = "对象"
    CONDITIONS = "条件"
    STANDARD = "标准"
    MATERIALS = "材料"
    PROCEDURE = "流程"
    TIME_LIMIT = "时限"
    AUTHORITY = "受理部门"


SERIAL = Field.SERIAL
TASK = Field.TASK
DEADLINE = Field.DEADLINE
LEAD = Field.LEAD
CO_UNITS = Field.CO_UNITS
RESPONSIBLE = Field.RESPONSIBLE
CATEGORY = Field.CATEGORY
STANDARD = Field.STANDARD
INDICATOR_1 = Field.INDICATOR_1

TASK_FIELDS = (
    Field.INDICATOR_1,
    Field.INDICATOR_2,
    Field.CATEGORY,
    Field.TASK,
    Field.LEAD,
    Field.CO_UNITS,
    Field.RESPONSIBLE,
    Field.DEADLINE,
)
BENEFIT_FIELDS = (
    Field.ITEM,
    Field.TARGET,
    Field.CONDITIONS,
    Field.STANDARD,
    Field.MATERIALS,
    Field.PROCEDURE,
    Field.TIME_LIMIT,
    Field.AUTHORITY,
)
# The order a record renders in; fields kept under their own header name follow, as they came.
FIELD_ORDER: tuple[str, ...] = (*TASK_FIELDS, *BENEFIT_FIELDS)
UNIT_FIELDS = (Field.LEAD, Field.CO_UNITS, Field.RESPONSIBLE)

# --- Task-table headers and parenthetical keys -------------------------------------------------

_UNIT_NOUN = r"(?:单位|部门|处室|科室|机构|主体|责任人)"
CO_VERBS = "配合|协办|支撑|参与|协同|协助"
_HEADER_PATTERNS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (Field.SERIAL, re.compile(r"序号|编号")),
    (Field.INDICATOR_1, re.compile(r"一级指标")),
    (Field.INDICATOR_2, re.compile(r"二级指标")),
    (Field.LEAD, re.compile(rf".{{0,8}}牵头{_UNIT_NOUN}?")),
    (Field.CO_UNITS, re.compile(rf".{{0,8}}(?:{CO_VERBS}){_UNIT_NOUN}?")),
    (Field.RESPONSIBLE, re.compile(rf"(?:责任|负责|实施|承办|主责|落实){_UNIT_NOUN}")),
    (
        Field.DEADLINE,
        re.compile(r"(?:完成|办结|实施|工作)?(?:时限|期限|时间|时间节点|时间安排|进度安排|时间要求|时点)"),
    ),
    (Field.TASK, re.compile(r".{0,6}(?:任务|工作|事项|内容|措施|举措|项目)")),
)
# A header cell is a short label, never a sentence or a number.
MAX_HEADER_CELL = 12
_NOT_HEADER = re.compile(r"[。，；：、,;:！？\d]")


def header_field(cell: str) -> Field | None:
    """The field a task-table header cell (or a ``（牵头单位：…）`` key) names, None if it names none."""
    cell = re.sub(r"\s+", "", cell)
    if not cell or len(cell) > MAX_HEADER_CELL or _NOT_HEADER.search(cell):
        return None
    return next((name for name, pattern in _HEADER_PATTERNS if pattern.fullmatch(cell)), None)


# Keys of ``（牵头单位：甲；配合单位：乙）`` and of ``责任单位：…`` lines: unit and deadline headers.
UNIT_KEY = re.compile(rf"(?:牵头|{CO_VERBS}|责任|负责|主责)(?:单位|部门|处室)|完成时限|时间节点|完成时间|时限要求")
# ``（甲牵头，乙配合）``: a unit list followed by the verb of its role.
ROLE_VERBS: dict[str, Field] = {
    "牵头": Field.LEAD,
    "负责": Field.RESPONSIBLE,
    **dict.fromkeys(CO_VERBS.split("|"), Field.CO_UNITS),
}
# A document's note that the first unit listed leads (列第一位的为牵头单位, 排在首位的单位为牵头单位).
FIRST_IS_LEAD = re.compile(r"(?:列|排)(?:在)?(?:第一位|第一|首位|最前)的?(?:单位|部门)?(?:为|是)牵头(?:单位|部门)")

# --- Benefit labels -------------------------------------------------------------------------------

MAX_LABEL = 10
# Label endings → field. 咨询方式/联系方式 say whom to ask, not how to apply, and 发布时间 is a web page's
# date, not the item's: those are kept under their own name.
_LABEL_PATTERNS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (Field.TARGET, re.compile(r".{0,6}(?:对象|范围)")),
    (Field.CONDITIONS, re.compile(r".{0,6}(?:条件|资格)")),
    (Field.STANDARD, re.compile(r".{0,6}(?:标准|金额|额度|数额)")),
    (Field.MATERIALS, re.compile(r".{0,6}(?:材料|资料)(?:清单)?")),
    (Field.AUTHORITY, re.compile(r".{0,6}(?:受理|经办|办理)(?:责任)?(?:部门|单位|机构|地点|窗口)")),
    (Field.PROCEDURE, re.compile(r"(?!咨询|联系).{0,6}(?:流程|程序|方式|步骤|途径|渠道)")),
    (Field.TIME_LIMIT, re.compile(r"(?!发布|发文|成文|印发|更新|浏览).{0,6}(?:时限|期限|时间)")),
)
# A labelled section whose only typed fields are these is a schedule or a procedure, not a benefit item.
WEAK_BENEFIT_FIELDS = frozenset({Field.PROCEDURE, Field.TIME_LIMIT})


def benefit_field(label: str) -> Field | None:
    """The field a benefit label (``补贴标准``, ``所需材料``, ``申请受理责任部门``) names, None if none."""
    label = re.sub(r"\s+", "", label)
    if not label or len(label) > MAX_LABEL or _NOT_HEADER.search(label):
        return None
    return next((name for name, pattern in _LABEL_PATTERNS if pattern.fullmatch(label)), None)


def field_order(fields: dict[str, str]) -> list[str]:
    """Known fields in ``FIELD_ORDER``, then the ones kept under their own name in insertion order."""
    known = [name for name in FIELD_ORDER if name in fields]
    return known + [name for name in fields if name not in FIELD_ORDER]


def is_label_like(cell: str) -> bool:
    """A short phrase that could head a column or a field (no sentence, no number)."""
    cell = re.sub(r"\s+", "", cell)
    return 0 < len(cell) <= MAX_HEADER_CELL and not _NOT_HEADER.search(cell)
