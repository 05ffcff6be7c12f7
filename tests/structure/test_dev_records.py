"""Records from the development corpus, one test per layout, checked against the files read by hand."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from assistant.loading import load_file
from assistant.repair import repair
from assistant.structure.fields import (
    CATEGORY,
    CO_UNITS,
    DEADLINE,
    LEAD,
    RESPONSIBLE,
    STANDARD,
    TASK,
    Field,
)
from assistant.structure.record_types import BENEFIT_KIND
from assistant.structure.records import TaskRecord, extract_records

DEV = Path(__file__).resolve().parents[2] / "eval" / "corpora" / "dev" / "docs"


@cache
def _records(name: str) -> tuple[str, list[TaskRecord]]:
    text = repair(load_file(DEV / name)).text
    return text, extract_records(text).records


def _tasks(name: str) -> list[TaskRecord]:
    return [record for record in _records(name)[1] if record.kind != BENEFIT_KIND]


def _benefits(name: str) -> list[TaskRecord]:
    return [record for record in _records(name)[1] if record.kind == BENEFIT_KIND]


def test_paragraph_cell_table_with_co_units_and_own_columns() -> None:
    # 附件2 任务分工表, one cell per paragraph: 序号/工作事项/主要内容/牵头单位/配合单位 and two 处室 columns
    # that keep their own header; ``/`` is an empty cell. 序号 runs 1 to 24.
    records = _tasks("广州市_2023_推进家庭医生签约服务高质量发展实施方案.txt")
    assert len({record.fields[CATEGORY] for record in records}) == 24
    first = records[0].fields
    assert first[CATEGORY] == "有序扩大家庭医生来源。"
    assert first[TASK].startswith("现阶段家庭医生包括全科医生")
    assert (first[LEAD], first[CO_UNITS]) == ("各区政府", "市卫生健康委")
    assert (first["市卫健委内牵头处室"], first["市卫健委内配合处室"]) == ("基层处", "医政处")
    training = next(
        record.fields for record in records if record.fields[TASK].startswith("贯彻落实《广州市改革完善全科")
    )
    assert training[LEAD] == "各区政府、市卫生健康委" and CO_UNITS not in training  # ``/``
    assert records[-1].fields == {
        CATEGORY: "加强宣传引导。",
        TASK: records[-1].fields[TASK],
        LEAD: "各区政府、市卫生健康委",
        "市卫健委内牵头处室": "基层处",
        "市卫健委内配合处室": "宣传处",
    }
    assert records[-1].fields[TASK].startswith("各区、各部门要采取群众易于接受的方式")


def test_keyed_parenthetical_with_support_units() -> None:
    records = _tasks("上海市松江区_2025_城市更新年度实施计划.md")
    assert len(records) == 22 and all(LEAD in record.fields for record in records)
    assert records[0].fields == {
        TASK: "加力推进经开区中部SJC1-0013单元松东路以西区域、九里亭秀浜城市更新项目。",
        LEAD: "经济技术开发区、九里亭街道",
        CO_UNITS: "区规划资源局、区建设管理委、区经委",
    }
    beautiful = next(record.fields for record in records if "美丽街区" in record.fields[TASK])
    assert (beautiful[LEAD], beautiful[CO_UNITS]) == ("区绿化市容局", "相关街镇")


def test_responsible_units_with_first_as_lead() -> None:
    # The first note says 列第一位的为牵头单位，下同: that remark is no unit, and every first unit leads.
    records = _tasks("湖北省荆门市_2025_建设生育友好型城市若干措施.md")
    assert len(records) == 27
    assert all(record.fields[LEAD] == re.split("[、，]", record.fields[RESPONSIBLE])[0] for record in records)
    first = records[0].fields
    assert first[RESPONSIBLE].endswith("市总工会、团市委、市妇联、市文联，各县市区")
    assert first[LEAD] == "市委宣传部"
    assert _records("湖北省荆门市_2025_建设生育友好型城市若干措施.md")[0].count("列第一位的为牵头单位") == 1


def test_role_parenthetical() -> None:
    record = next(
        r
        for r in _tasks("国务院办公厅_2018_无废城市建设试点工作方案.txt")
        if r.fields[TASK].startswith("强化顶层设计引领")
    )
    assert record.fields[LEAD] == "生态环境部"
    assert record.fields[CO_UNITS] == "国家发展改革委、工业和信息化部、住房城乡建设部、农业农村部、国家统计局"
    assert record.fields[DEADLINE] == "2019年6月底前"


def test_role_sections() -> None:
    records = _tasks("广西壮族自治区_2026_育儿补贴申领一件事工作实施方案.md")
    assert [
        (role, record.fields[role]) for record in records for role in (LEAD, CO_UNITS) if role in record.fields
    ] == [
        (LEAD, "自治区卫生健康委"),
        (CO_UNITS, "自治区公安厅"),
        (CO_UNITS, "自治区民政厅"),
        (CO_UNITS, "自治区数据局"),  # under （三）指导及技术支撑单位
    ]
    assert records[0].fields[TASK].startswith("负责育儿补贴申领“一件事”总体统筹协调")


def test_two_column_benefit_table() -> None:
    name = "江西省_2026_育儿补贴申领一件事实施方案.md"
    text, _ = _records(name)
    guide = _benefits(name)[0]
    assert guide.fields[Field.ITEM] == "江西省“育儿补贴申领一件事”办事指南"
    assert "每孩每年3600元" in guide.fields[STANDARD] and "300元/月" in guide.fields[STANDARD]
    assert guide.fields[Field.MATERIALS].startswith("首次申请时需提交相关材料")
    assert guide.fields[Field.TARGET].startswith("一、补贴对象补贴对象为从2025年1月1日起")
    assert guide.fields["审核办理时限"] == "20个工作日"  # 时限 is taken by 申请时限: kept under its own name
    assert text[guide.start : guide.end].startswith("联办事项名称|")


def test_benefit_items_under_labelled_subheadings() -> None:
    items = {record.fields[Field.ITEM]: record.fields for record in _benefits(
        "内蒙古自治区鄂尔多斯市_2024_二孩三孩家庭育儿补贴及托育机构补贴实施细则.md"
    )}  # fmt: skip
    assert list(items) == [
        "孕检补贴",
        "分娩补贴",
        "育儿补贴",
        "入托、入园补贴",
        "就业补贴",
        "生均补贴",
        "建设和运营补贴",
    ]
    assert "500元的孕检补贴" in items["孕检补贴"][STANDARD]
    assert items["分娩补贴"][STANDARD] == "对鄂尔多斯市户籍家庭在助产机构生育二孩、三孩的一次性给予2000元分娩补贴。"
    assert items["孕检补贴"][Field.CONDITIONS].startswith("（1）符合政策的一孩、二孩、三孩孕期妇女。（2）")
    assert items["育儿补贴"][Field.PROCEDURE].endswith("可享受第三年补贴费用。")


def test_benefit_items_with_label_lines() -> None:
    items = _benefits("广州市_2025_高校毕业生创业补贴.html")
    assert [record.fields[Field.ITEM] for record in items] == [
        "一次性创业资助", "优秀创业项目资助", "创业租金补贴", "创业带动就业补贴",
    ]  # fmt: skip
    assert items[0].fields[STANDARD] == "10000元。"
    assert items[1].fields[STANDARD] == "一等奖20万元，二等奖15万元，三等奖10万元，优胜奖5万元。"
    assert items[2].fields[Field.TIME_LIMIT] == "累计不超过3年。"
    assert (
        items[0].fields[Field.CONDITIONS].startswith("（1）初创企业的法定代表人")
        and "⑤创办驿道客栈" in (items[0].fields[Field.CONDITIONS])
    )


def test_benefit_item_with_accepting_department() -> None:
    items = {r.fields[Field.ITEM]: r.fields for r in _benefits("广州市天河区_2025_人才公寓申请公告.html")}
    assert items["租赁费用及期限"][STANDARD].startswith("富力大厦32.5元/平方米/月")
    assert "天河区委组织部人才工作科" in items["申请受理责任部门及程序"][Field.AUTHORITY]


def test_regulation_without_tasks_has_no_records() -> None:
    assert _records("重庆市_2021_优化营商环境条例.md")[1] == []


def test_markdown_task_table_with_other_header_words() -> None:
    text = (
        "附件：重点任务清单\n\n"
        "| 序号 | 主要任务 | 牵头单位 | 协办单位 | 完成时间 | 备注 |\n"
        "|---|---|---|---|---|---|\n"
        "| 1 | 建成区级托育服务中心。 | 区卫健委 | 区财政局、区教育局 | 2025年12月底前 | 新建 |\n"
        "| 2 | 开展托育从业人员培训。 | 区人社局 | / | 2025年6月底前 | |\n"
    )
    records = extract_records(text).records
    assert [record.fields for record in records] == [
        {TASK: "建成区级托育服务中心。", LEAD: "区卫健委", CO_UNITS: "区财政局、区教育局", DEADLINE: "2025年12月底前",
         "备注": "新建"},
        {TASK: "开展托育从业人员培训。", LEAD: "区人社局", DEADLINE: "2025年6月底前"},
    ]  # fmt: skip
    assert records[0].table_title == "重点任务清单"


def test_unit_lines_after_items() -> None:
    text = (
        "（一）做好托育服务。\n"
        "1.建成区级托育服务中心，2025年12月底前投入使用。\n"
        "牵头单位：区卫健委\n"
        "配合单位：区财政局、区教育局\n"
        "2.开展托育从业人员培训。\n"
        "责任单位：区人社局、各街道\n"
    )
    assert [record.fields for record in extract_records(text).records] == [
        {TASK: "建成区级托育服务中心，2025年12月底前投入使用。", LEAD: "区卫健委", CO_UNITS: "区财政局、区教育局",
         DEADLINE: "2025年12月底前"},
        {TASK: "开展托育从业人员培训。", RESPONSIBLE: "区人社局、各街道"},
    ]  # fmt: skip


def test_keyed_note_with_semicolon_and_co_units() -> None:
    text = "1.完善托育服务体系。（牵头单位：区卫健委；配合单位：区财政局、区民政局）\n"
    assert extract_records(text).records[0].fields == {
        TASK: "完善托育服务体系。",
        LEAD: "区卫健委",
        CO_UNITS: "区财政局、区民政局",
    }
