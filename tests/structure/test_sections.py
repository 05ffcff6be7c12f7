from assistant.mapped_text import MappedText
from assistant.repair import repair
from assistant.structure.sections import heading_level, heading_title, parse_blocks
from tests.paths import CORPUS


def test_heading_levels() -> None:
    assert heading_level("一、加大主动公开力度") == 1
    assert heading_level("## 一、加大主动公开力度") == 1
    assert heading_level("（十四）优化完善政务新媒体运维管理机制") == 2
    assert heading_level("(二) 深入推进教育、科技、人才支撑信息公开。推进学前教育") == 2
    assert heading_level("1．锚定目标") == 3 and heading_level("2. 推进工作流程") == 3
    assert heading_level("（1）细则") == 4
    assert heading_level("# 附件") == 0
    assert heading_level("2023年是全面贯彻落实党的二十大精神开局之年") is None
    assert heading_level("12345政务服务便民热线") is None


def test_title_is_first_sentence() -> None:
    assert heading_title("（一）深入推进民生保障信息公开。围绕城乡居民就业增收") == "（一）深入推进民生保障信息公开"


def test_broken_lines_are_joined_and_sections_nest() -> None:
    text = MappedText.identity(
        "一、总体要求\n（一）推进工作流程和平台规范化。遵照9项省级政务公开地方\n\n标准，优化工作流程。\n"
        "二、保障措施\n（一）加强组织领导。各级要完善机制。\n"
    )
    blocks = parse_blocks(text, [])
    assert [block.section for block in blocks] == [
        ["一、总体要求", "（一）推进工作流程和平台规范化"],
        ["二、保障措施", "（一）加强组织领导"],
    ]
    assert "地方标准，优化" in blocks[0].text.text
    start, end = blocks[0].text.original_span(0, len(blocks[0].text))
    assert text.text[start:end].startswith("（一）推进") and text.text[start:end].endswith("优化工作流程。")


def test_real_document_sections() -> None:
    repaired = repair((CORPUS / "广元市_2021年政务公开工作实施方案.txt").read_text(encoding="utf-8"))
    blocks = parse_blocks(repaired, [])
    finance = next(block for block in blocks if block.section and "推进财政信息公开" in block.section[-1])
    assert finance.section[:2] == ["二、重点工作任务", "（二）加强重点领域政府信息公开"]
    assert "组织所属单位开展预决算" in finance.text.text  # joined across the page break
