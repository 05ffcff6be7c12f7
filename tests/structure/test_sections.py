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


def _dev_blocks(name: str) -> list:
    from assistant.loading import load_file
    from tests.paths import ROOT

    return parse_blocks(repair(load_file(ROOT / "eval" / "corpora" / "dev" / "docs" / name)), [])


def test_regulation_articles_are_whole_sections() -> None:
    blocks = _dev_blocks("重庆市_2021_优化营商环境条例.md")
    article = next(block for block in blocks if block.section and block.section[-1] == "第九条")
    assert article.section == ["第一章 总 则", "第九条"] and article.whole
    # The article's numbered items are its content, not sections of their own.
    assert article.text.text.startswith("第九条 本市加强与其他省、自治区、直辖市交流合作")
    assert article.text.text.rstrip().endswith("（六）其他协商确定的合作事项。")
    assert sum(1 for block in blocks if block.section and block.section[-1].endswith("条")) == 80


def test_article_with_bracketed_name_and_chapter() -> None:
    blocks = _dev_blocks("上海市长宁区_2021_区筹公共租赁住房管理办法.md")
    six = next(block for block in blocks if block.section and block.section[-1].startswith("第六条"))
    assert six.section[-2].startswith("第二章") and six.section[-1] == "第六条(申请条件)"


def test_html_articles_and_chapters() -> None:
    blocks = _dev_blocks("广州市_2022_引进人才入户管理办法实施细则.html")
    eight = next(block for block in blocks if block.section and block.section[-1] == "第八条")
    assert eight.section[-2] == "第二章 引进在职人才入户"
    assert "15个工作日内完成审核" in eight.text.text


def test_question_and_answer_pairs() -> None:
    blocks = [block for block in _dev_blocks("广州市_2025_积分制入户工作热点13问.html") if block.whole]
    assert len(blocks) == 13
    assert blocks[2].section[-1] == "3.积分制入户中所说的资格分是什么？排名分是什么？"
    assert blocks[4].text.text.startswith(
        "5.2025年度积分制入户申报的起止时间是什么？\n答：2025年度积分制入户申报时间是"
    )


def test_bold_questions_keep_their_numbered_answers() -> None:
    blocks = [block for block in _dev_blocks("上海市普陀区_2025_育儿补贴申领指南.md") if block.whole]
    materials = next(block for block in blocks if block.section[-1] == "八、申领育儿补贴需要提供哪些材料？")
    assert "（一）婴幼儿有关材料：" in materials.text.text and "（二）申领人有关材料：" in materials.text.text


def test_new_heading_levels() -> None:
    assert heading_level("第三章　申请和审核") < heading_level("第十二条 本市…") < heading_level("一、总则")
    assert heading_level("**一、工作目标**") == 1
    assert heading_level("①普通高等学校学生") == 5
    assert heading_level("**育儿补贴问答**") is not None
    assert heading_level("第十二条规定的情形，按照本办法处理") is None
    assert heading_title("第一条\xa0为完善广州市社会救助体系") == "第一条"
