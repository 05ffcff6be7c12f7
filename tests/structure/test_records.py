"""Task records from the corpus tables and parentheticals, checked against rows read by hand."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from assistant.repair import repair
from assistant.structure.records import ExtractedRecords, TaskRecord, extract_records, is_unit_list

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
GAOXIN = "达州高新区_2023年全区政务公开工作要点.txt"
GAOXIAN = "高县_2023年政务公开重点工作任务清单.txt"
DAZHOU = "达州市_2022年全市政务公开重点工作安排.txt"
GUANGYUAN = "广元市_2021年政务公开工作实施方案.txt"
TAIERZHUANG = "台儿庄区_2023年政务公开工作要点.txt"
ALL = (GAOXIN, GAOXIAN, DAZHOU, GUANGYUAN, TAIERZHUANG)
PROSE_HEADING = re.compile(r"^\s*#*\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")

# Record counts, counted by hand in the files:
# - 达州高新区: the 附件 is nine page-tables; counting their tab-separated lines other than the
#   序号… header lines gives 4 + 8 + 6 + 7 + 3 + 5 + 5 + 5 + 4 = 47 rows.
# - 高县: one cell per line; counting the 重点工作 cells (third cell of each row) gives 52 rows. 50
#   of them end in their own 完成时限 cell (``2023年…``/``长期坚持``); 充分发挥行业协会商会… has its
#   last three cells empty (merged) and the last row, 加强督促考核, is cut off after its 重点工作.
# - 达州市: 70 paragraphs are 完成时限 cells (``10月30日前``, ``及时公开``, ``每月坚持``…), and two rows
#   have none (规范公布并动态更新权责清单…, 完善市政府公报数据库…): 72 rows.
# - 广元市: 序号 runs 1 to 20 without gaps: 20 rows.
# - 台儿庄区: 27 ``（责任单位：…）`` (5 + 3 + 5 numbered items under 一、, one per paragraph in 二 to 五: 14).
EXPECTED_COUNTS = {GAOXIN: 47, GAOXIAN: 52, DAZHOU: 72, GUANGYUAN: 20, TAIERZHUANG: 27}


@cache
def _load(name: str) -> tuple[str, ExtractedRecords]:
    text = repair((CORPUS / name).read_text(encoding="utf-8")).text
    return text, extract_records(text)


def _find(name: str, needle: str) -> TaskRecord:
    """The one record of a document whose 重点工作 contains ``needle``."""
    found = [record for record in _load(name)[1].records if needle in record.fields["重点工作"]]
    assert len(found) == 1, [record.fields["重点工作"][:30] for record in found]
    return found[0]


@pytest.mark.parametrize("name", ALL)
def test_record_count(name: str) -> None:
    assert len(_load(name)[1].records) == EXPECTED_COUNTS[name]


@pytest.mark.parametrize("name", ALL)
def test_spans_lie_in_the_text_in_order(name: str) -> None:
    text, extracted = _load(name)
    previous_end = 0
    for record in extracted.records:
        assert previous_end <= record.start < record.end <= len(text)
        # The task's own words (the tail of 重点工作; a sub-heading may precede them) are in the span.
        assert record.fields["重点工作"][-10:] in "".join(text[record.start : record.end].split())
        previous_end = record.end


@pytest.mark.parametrize("name", ALL)
def test_table_spans_hold_the_table_records_and_no_prose_heading(name: str) -> None:
    text, extracted = _load(name)
    spans = extracted.table_spans
    headings = [match.start() for match in re.finditer(r"(?m)^.*$", text) if PROSE_HEADING.match(match.group())]
    assert headings or name == GAOXIAN  # 高县 is the notice and the table only
    for start, end in spans:
        assert all(not start <= heading < end for heading in headings)
    for record in extracted.records:
        inside = [span for span in spans if span[0] <= record.start and record.end <= span[1]]
        assert bool(inside) == bool(record.table_title)
        if inside:  # the caption stays prose, above the table
            assert record.table_title in text[: inside[0][0]]


def test_table_spans_per_document() -> None:
    assert len(_load(GAOXIN)[1].table_spans) == 1  # nine page-tables with only blank lines between
    assert _load(TAIERZHUANG)[1].table_spans == []
    for name in (GAOXIAN, DAZHOU, GUANGYUAN):
        text, extracted = _load(name)
        (start, _), *rest = extracted.table_spans
        assert not rest
        assert text[start:].startswith(("序号", "一级指标"))


def test_table_titles() -> None:
    assert {record.table_title for record in _load(GAOXIN)[1].records} == {"2023年全区政务公开工作要点分工表"}
    assert {record.table_title for record in _load(GAOXIAN)[1].records} == {"2023年高县政务公开重点工作任务清单"}
    assert {record.table_title for record in _load(DAZHOU)[1].records} == {"2022年全市政务公开重点工作责任分工表"}
    assert {record.table_title for record in _load(GUANGYUAN)[1].records} == {"重点工作任务责任分工表"}
    assert {record.table_title for record in _load(TAIERZHUANG)[1].records} == {""}


# --- 达州高新区: tab rows, with sub-headings inside 重点工作任务 -----------------------------------


def test_gaoxin_subheading_row_carries_work_task() -> None:
    # ``\t深入推进民生保障信息公开\t围绕城乡居民…``: no 序号, so 加大主动公开力度 is carried and the
    # leading text is a sub-heading.
    assert _find(GAOXIN, "围绕城乡居民就业增收").fields == {
        "工作任务": "加大主动公开力度",
        "重点工作": "深入推进民生保障信息公开：围绕城乡居民就业增收，深入推进面向高校毕业生、农民工、退役军人、"
        "就业困难人员等重点群体的就业专项活动及支持政策公开。",
        "责任单位": "社事局、人社分局等区级相关部门（单位），各乡镇（街道）。",
        "完成时限": "及时公开",
    }


def test_gaoxin_row_without_subheading() -> None:
    assert _find(GAOXIN, "及时公布行政规范性文件清理结果").fields == {
        "工作任务": "推进政务公开提质增效",
        "重点工作": "及时公布行政规范性文件清理结果，7月底前实现现行有效行政规范性文件统一查询，"
        "未公开的不得作为行政管理依据。",
        "责任单位": "党政办。",
        "完成时限": "7月31日",
    }


def test_gaoxin_repeated_serial_with_lost_work_task() -> None:
    # ``2\t提高政策解读回应质量\t…``: 序号 2 repeats, so its 工作任务 stays 推进政务公开提质增效 and
    # the text after the 序号 is the sub-heading; the next row carries both down.
    assert _find(GAOXIN, "建设政策咨询库").fields == {
        "工作任务": "推进政务公开提质增效",
        "重点工作": "提高政策解读回应质量：建设政策咨询库，围绕社会公众关注的生育、教育、就业、创业、养老、医疗、"
        "纳税等各类高频政策咨询事项，对现行有效政策文件予以分解提炼，在达州高新区门户网站、"
        "12345政务服务便民热线知识库等公开。",
        "责任单位": "党政办、行政审批局等区级相关部门（单位），各乡镇（街道）。",
        "完成时限": "7月31日",
    }


def test_gaoxin_row_under_header_with_extra_empty_cell() -> None:
    # The page header here is ``序号\t工作任务\t\t重点工作任务…``; the row has three empty leading cells.
    assert _find(GAOXIN, "党政办将政务公开中的保密审查").fields == {
        "工作任务": "夯实工作基础",
        "重点工作": "强化保密和安全管理：党政办将政务公开中的保密审查工作纳入督查监管，每年至少开展1次专项检查，"
        "对工作不落实的，依法依规严肃查处。",
        "责任单位": "党政办。",
        "完成时限": "长期坚持",
    }


# --- 高县: one tabbed cell per line ------------------------------------------------------------


def test_gaoxian_merged_indicators_and_broken_cell() -> None:
    # 一级指标 ``深化\n主动公开`` and 二级指标 ``扎实推进重大项目、科\n技创新、…`` come from the row above.
    assert _find(GAOXIAN, "一蓝一绿").fields == {
        "一级指标": "深化主动公开",
        "二级指标": "扎实推进重大项目、科技创新、乡村振兴领域信息公开",
        "重点工作": "加强“一蓝一绿”、重大科技创新领域信息公开，"
        "主动公开与人民群众生产、生活和经济社会活动相关的科技创新信息",
        "牵头单位": "县经信科技局",
        "责任单位": "各镇，县政府工作部门、有关单位",
        "完成时限": "2023年底",
    }


def test_gaoxian_dash_means_no_lead_unit() -> None:
    assert _find(GAOXIAN, "教育入学、教育监管").fields == {
        "一级指标": "深化主动公开",
        "二级指标": "扎实推进民生保障领域信息公开",
        "重点工作": "大力推进涉及人民群众切身利益的教育入学、教育监管，以及教育突发事件应急处理预案、"
        "预警信息和处置等方面信息公开",
        "责任单位": "县教育体育局",
        "完成时限": "2023年底",
    }
    assert "牵头单位" not in _find(GAOXIAN, "双随机、一公开").fields  # ``-``


def test_gaoxian_empty_unit_cells_are_merged() -> None:
    above = _find(GAOXIAN, "走出去、送上门").fields
    merged = _find(GAOXIAN, "充分发挥行业协会商会").fields
    assert merged["二级指标"] == above["二级指标"] == "加强涉企政策公开服务"
    assert merged["牵头单位"] == above["牵头单位"] == "县行政审批非公经济发展局"
    assert merged["责任单位"] == above["责任单位"]
    assert merged["责任单位"].endswith("县国资金融服务中心、县工商联")
    assert merged["完成时限"] == "2023年底"


def test_gaoxian_deadline_broken_over_lines() -> None:
    assert _find(GAOXIAN, "两张皮").fields == {
        "一级指标": "深化政务公开促进基层政府治理能力提升",
        "二级指标": "大力推进基层政务公开专栏建设",
        "重点工作": "按照国家有关部委印发的基层政务公开标准指引，2023年8月底前对照政务公开事项标准目录在县（区）级"
        "政府门户网站完善本地区公开内容，杜绝事项目录与公开内容“两张皮”的问题",
        "牵头单位": "县政府办公室",
        "责任单位": "各镇，县政府工作部门、有关单位",
        "完成时限": "2023年8月底前",
    }


def test_gaoxian_truncated_last_row_is_not_filled() -> None:
    last = _load(GAOXIAN)[1].records[-1]
    assert last.fields == {
        "一级指标": "强化管理保障",
        "二级指标": "加强督促考核",
        "重点工作": "进一步完善督导考评机制，优化考核方式，加大日常考核比重，加强督促考核，强化激励问责",
    }


# --- 达州市: one cell per paragraph --------------------------------------------------------------


def test_dazhou_row_without_serial_carries_work_task() -> None:
    record = _find(DAZHOU, "主动公开成渝地区双城经济圈建设")
    assert record.fields == {
        "工作任务": "加强重点领域信息公开,增强政策公开透明度",
        "重点工作": "加强稳增长信息公开：主动公开成渝地区双城经济圈建设、"
        "创建万达开川渝统筹发展示范区等有关规划、支持政策。",
        "责任单位": "市发展改革委、市经信局、市自然资源规划局、市交通运输局、市口岸物流办等部门,各县(市、区)人民政府、"
        "达州高新区管委会、达州东部经开区管委会。",
        "完成时限": "10月30日前",
    }
    assert record.render().splitlines()[-1] == "完成时限：10月30日前"


def test_dazhou_row_after_new_serial() -> None:
    assert _find(DAZHOU, "分值权重不低于4%").fields == {
        "工作任务": "加强完善机制创新建设,确保工作落地落实",
        "重点工作": "完善工作促进机制：严格落实政务公开工作在目标绩效考核体系分值权重不低于4%的要求,"
        "加强督促考核,强化激励问责。",
        "责任单位": "市委目标绩效办。",
        "完成时限": "9月30日前",
    }


def test_dazhou_missing_cells_are_merged_from_the_row_above() -> None:
    # No 完成时限 paragraph after this row's units: the 及时公开 above it is merged down.
    assert _find(DAZHOU, "规范公布并动态更新权责清单").fields["完成时限"] == "及时公开"
    # No 责任单位 paragraph between the task and ``8月30日前``.
    record = _find(DAZHOU, "各级各地要认真落实政务公开专栏").fields
    assert record["责任单位"] == "各县(市、区)人民政府、达州高新区管委会、达州东部经开区管委会。"
    assert record["完成时限"] == "8月30日前"
    # Neither, before the next 序号 (5).
    record = _find(DAZHOU, "完善市政府公报数据库").fields
    assert record["工作任务"] == "加强公开平台载体建设,推动创新融合发展"
    assert record["责任单位"].startswith("市政府信息公开管理中心,市政府工作部门,")
    assert record["完成时限"] == "11月30日前"


def test_dazhou_task_without_full_stop_is_not_a_subheading() -> None:
    assert (
        _find(DAZHOU, "双减政策信息公开").fields["重点工作"]
        == "加强惠民惠企惠农政策信息公开：落实教育双规范”“双减政策信息公开"
    )


# --- 广元市: tab rows without merged cells -------------------------------------------------------


def test_guangyuan_rows() -> None:
    records = _load(GUANGYUAN)[1].records
    assert records[0].fields == {"重点工作": "调整完善政务公开事项标准目录", "责任单位": "各县（区）人民政府"}
    assert _find(GUANGYUAN, "提高市场监管规则").fields == {  # the row after the blank line in the table
        "重点工作": "提高市场监管规则 and 标准公开质量; 推进行政执法相关信息公开",
        "责任单位": "市市场监管局、市司法局、各行政执法单位、各县(区)人民政府",
    }
    assert records[-1].fields == {
        "重点工作": "加大政府网站和政务新媒体建设管理力度",
        "责任单位": "市政府办公室、市级各部门、各县(区)人民政府",
    }
    assert (
        records[-1].render()
        == "重点工作：加大政府网站和政务新媒体建设管理力度\n责任单位：市政府办公室、市级各部门、各县(区)人民政府"
    )


# --- 台儿庄区: （责任单位：…） parentheticals ------------------------------------------------------


def test_taierzhuang_numbered_item() -> None:
    text, _ = _load(TAIERZHUANG)
    record = _find(TAIERZHUANG, "基础设施“七网”")
    assert record.fields == {
        "重点工作": "聚焦扩大有效投资，依法依规做好基础设施“七网”、能源“九大工程”等重大项目信息公开。",
        "责任单位": "各镇〈街〉、区发展改革局",
    }
    assert text[record.start : record.end].startswith("3．聚焦扩大有效投资")
    assert text[record.start : record.end].endswith("（责任单位：各镇〈街〉、区发展改革局）")


def test_taierzhuang_item_with_deadline() -> None:
    assert _find(TAIERZHUANG, "强化政策集成供给").fields == {
        "重点工作": "强化政策集成供给，加强“稳中向好、进中提质”系列政策包的权威发布和全面解读。2023年年底前，"
        "优化企业用户空间，完善“一企一档”功能，推动政策“精准匹配、快速直达、一键兑现”。",
        "责任单位": "各镇〈街〉、区政府有关部门单位",
        "完成时限": "2023年年底前",
    }
    assert _find(TAIERZHUANG, "建立常态化政策评价机制").fields["完成时限"] == "2023年年底前"


def test_taierzhuang_paragraph_item() -> None:
    text, _ = _load(TAIERZHUANG)
    record = _find(TAIERZHUANG, "公共企事业单位信息公开监督指导")
    assert record.fields == {
        "重点工作": "教育、卫生健康、生态环境、交通运输、住房城乡建设、能源等有关部门要加强本领域公共企事业单位信息公开"
        "监督指导，进一步完善信息公开目录，细化公开内容、时限、渠道、主体和范围等。各公共企事业单位要健全完善"
        "信息公开的审核发布、保密审查、管理维护、咨询回应等制度体系，依法全面公开各类信息，并适应群众获取信息"
        "习惯和现实条件，加强现场解答、电话解答等咨询渠道建设。",
        "责任单位": "区政府有关部门单位",
    }
    # The heading line （四）深入推进公共企事业单位信息公开。 is not part of the item.
    assert text[record.start : record.end].startswith("教育、卫生健康")


def test_taierzhuang_no_rule_taken_for_deadline() -> None:
    # ``于本要点发布20个工作日内`` is a rule, not a calendar deadline.
    assert "完成时限" not in _find(TAIERZHUANG, "做好任务分解").fields


def test_unit_classifier_agrees_with_table_columns() -> None:
    """The paragraph layout tells unit cells by their shape; the tab layouts give them by position."""
    for name in (GAOXIN, GAOXIAN):
        for record in _load(name)[1].records:
            assert all(is_unit_list(record.fields[key]) for key in ("牵头单位", "责任单位") if key in record.fields)
            assert not is_unit_list(record.fields["重点工作"].split("：")[-1])


# --- Synthetic tables, one per layout -------------------------------------------------------------


def test_synthetic_tab_rows() -> None:
    text = (
        "一、总体要求\n正文。\n\n附件：测试分工表\n\n"
        "序号\t工作任务\t重点工作任务\t责任单位\t完成时限\n"
        "1\t任务一\t小标题甲\t内容甲。\t甲局。\t6月30日前\n"
        "\t\t内容乙。\t乙局。\t及时公开\t\n"
        "\t小标题丙\t内容丙。\t丙局。\t长期坚持\n"
        "2\t任务二\t内容丁。\t丁局。\t7月31日\n"
        "\n"
        "序号\t工作任务\t重点工作任务\t责任单位\t完成时限\n"
        "2\t小标题戊\t内容戊。\t戊局。\t及时公开\n"
        "备注：无。\n二、附则\n"
    )
    extracted = extract_records(text)
    assert [record.fields for record in extracted.records] == [
        {"工作任务": "任务一", "重点工作": "小标题甲：内容甲。", "责任单位": "甲局。", "完成时限": "6月30日前"},
        {"工作任务": "任务一", "重点工作": "小标题甲：内容乙。", "责任单位": "乙局。", "完成时限": "及时公开"},
        {"工作任务": "任务一", "重点工作": "小标题丙：内容丙。", "责任单位": "丙局。", "完成时限": "长期坚持"},
        {"工作任务": "任务二", "重点工作": "内容丁。", "责任单位": "丁局。", "完成时限": "7月31日"},
        {"工作任务": "任务二", "重点工作": "小标题戊：内容戊。", "责任单位": "戊局。", "完成时限": "及时公开"},
    ]
    assert {record.table_title for record in extracted.records} == {"测试分工表"}
    (start, end), *rest = extracted.table_spans
    assert not rest
    assert text[start:end].startswith("序号") and text[start:end].endswith("戊局。\t及时公开")


def test_synthetic_tab_cells() -> None:
    text = (
        "测试任务清单\n"
        "\t一级指标\n\t二级指标\n\t重点工作\n\t牵头单位\n\t责任单位\n\t完成时限\n\n"
        "\t深化\n公开\n\n\t推进\n甲领域\n\n\t任务一\n\t—\n\t甲局\n\n\n\t2023年\n6月底前\n\n"
        "\t\n\t\n\t任务二\n\t乙局\n\t丙局\n\t长期坚持\n\n"
        "\t\n\t\n\t任务三\n\t\n\t\n\t\n\n"
        "\t\n\t推进乙领域\n\t任务四\n"
    )
    extracted = extract_records(text)
    assert [record.fields for record in extracted.records] == [
        {
            "一级指标": "深化公开",
            "二级指标": "推进甲领域",
            "重点工作": "任务一",
            "责任单位": "甲局",
            "完成时限": "2023年6月底前",
        },
        {
            "一级指标": "深化公开",
            "二级指标": "推进甲领域",
            "重点工作": "任务二",
            "牵头单位": "乙局",
            "责任单位": "丙局",
            "完成时限": "长期坚持",
        },
        {
            "一级指标": "深化公开",
            "二级指标": "推进甲领域",
            "重点工作": "任务三",
            "牵头单位": "乙局",
            "责任单位": "丙局",
            "完成时限": "长期坚持",
        },
        {"一级指标": "深化公开", "二级指标": "推进乙领域", "重点工作": "任务四"},
    ]
    assert extracted.records[0].table_title == "测试任务清单"
    assert extracted.table_spans == [(text.index("一级指标"), len(text) - 1)]


def test_synthetic_paragraph_cells() -> None:
    cells = [
        "序号", "工作任务", "重点工作任务", "责任单位", "完成时限",
        "1", "任务一", "小标题甲", "内容甲。", "市财政局等部门,各县(市、区)人民政府。", "10月30日前",
        "内容乙。", "市教育局。",
        "小标题丙", "内容丙", "市民政局。", "及时公开",
        "内容丁。", "8月30日前",
        "内容戊。",
        "2", "任务二", "小标题己", "内容己。", "市委组织部。", "12月20日前",
        "备注:按照要求执行。",
    ]  # fmt: skip
    text = "测试责任分工表\n\n" + "\n\n".join(cells) + "\n"
    extracted = extract_records(text)
    one = {"工作任务": "任务一"}
    assert [record.fields for record in extracted.records] == [
        {
            **one,
            "重点工作": "小标题甲：内容甲。",
            "责任单位": "市财政局等部门,各县(市、区)人民政府。",
            "完成时限": "10月30日前",
        },
        {**one, "重点工作": "小标题甲：内容乙。", "责任单位": "市教育局。", "完成时限": "10月30日前"},
        {**one, "重点工作": "小标题丙：内容丙", "责任单位": "市民政局。", "完成时限": "及时公开"},
        {**one, "重点工作": "小标题丙：内容丁。", "责任单位": "市民政局。", "完成时限": "8月30日前"},
        {**one, "重点工作": "小标题丙：内容戊。", "责任单位": "市民政局。", "完成时限": "8月30日前"},
        {"工作任务": "任务二", "重点工作": "小标题己：内容己。", "责任单位": "市委组织部。", "完成时限": "12月20日前"},
    ]
    assert extracted.records[0].table_title == "测试责任分工表"
    assert text[extracted.records[0].start :].startswith("1\n\n任务一")
    (start, end), *rest = extracted.table_spans
    assert not rest
    assert text[start:end].startswith("序号") and text[start:end].endswith("12月20日前")


def test_synthetic_parentheticals() -> None:
    text = (
        "一、重点任务\n"
        "（一）加强公开\n"
        "1．做好甲工作，2024年6月底前完成。（责任单位：区财政局〈区金融中心〉、各镇（街））\n"
        "2．做好乙工作，围绕群众关切及时发布政策信息，这一行太长，被提取时在句子中间断\n"
        "开了。（牵头单位：区政府办；责任单位：区司法局）\n"
        "（二）加强解读。\n"
        "做好丙工作。（责任单位：各部门）做好丁工作。（责任单位：区教体局）\n"
    )
    extracted = extract_records(text)
    assert extracted.table_spans == []
    assert [record.fields for record in extracted.records] == [
        {
            "重点工作": "做好甲工作，2024年6月底前完成。",
            "责任单位": "区财政局〈区金融中心〉、各镇（街）",
            "完成时限": "2024年6月底前",
        },
        {
            "重点工作": "做好乙工作，围绕群众关切及时发布政策信息，这一行太长，被提取时在句子中间断开了。",
            "牵头单位": "区政府办",
            "责任单位": "区司法局",
        },
        {"重点工作": "做好丙工作。", "责任单位": "各部门"},
        {"重点工作": "做好丁工作。", "责任单位": "区教体局"},
    ]
    spans = [text[record.start : record.end] for record in extracted.records]
    assert spans[1].startswith("2．做好乙工作") and spans[1].endswith("区司法局）")
    assert spans[3] == "做好丁工作。（责任单位：区教体局）"
    assert all(record.table_title == "" for record in extracted.records)


def test_text_without_tasks() -> None:
    assert extract_records("") == ExtractedRecords([], [])
    assert extract_records("一、总体要求\n\n序号\n\n正文。\n") == ExtractedRecords([], [])
