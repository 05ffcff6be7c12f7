import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.loading import load_file
from assistant.mapped_text import MappedText
from assistant.repair import Repaired, RepairKind, repair, split_month_day
from tests.paths import CORPUS, ROOT

DAZHOU = CORPUS / "达州市_2022年全市政务公开重点工作安排.txt"
DEV_DOCS = ROOT / "eval" / "corpora" / "dev" / "docs"
DOCUMENTS = sorted(DEV_DOCS.iterdir()) + sorted(CORPUS.glob("*.txt"))

# Correct text that a careless repair rewrites: durations, phone numbers, URLs, amounts, ranges, 文号, dates.
CORRECT_TEXT = [
    "收到申请后120日内作出决定",
    "120日内",
    "180日内",
    "10个工作日内",
    "应在有效期届满120日前提出延续申请",
    "联系电话：0831-2012315",
    "咨询电话：020-12345678",
    "拨打12345热线",
    "12345",
    "详见https://www.gov.cn/zhengce/content/2020-12/30/t20201230_79772.htm",
    "附件：t20201230_79772.htm",
    "邮箱：zwgk2022526@163.com",
    "60-69周岁老年人每人每月100元",
    "1-3岁婴幼儿",
    "2022年5月26日",
    "于2022年10月30日前完成",
    "第120条",
    "一次性补助1030元",
    "资助5–20万元",
    "办公时间9:00-17:00",
    "不低于25%",
    "川办发〔2022〕38号",
    "2022年",
    "2019—2022年",
    "每年365日",
    "115日前",
]
# A unit and its phone number as a table dumps them one cell per line: not a 落款 date.
PHONE_UNDER_A_UNIT = "市政务服务中心\n2012315"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _apply(raw: str, repaired: Repaired) -> str:
    """The original with only the reported repairs applied."""
    pieces, last = [], 0
    for entry in repaired.repairs:
        assert last <= entry.start <= entry.end and raw[entry.start : entry.end] == entry.original
        pieces += [raw[last : entry.start], entry.replacement]
        last = entry.end
    return "".join([*pieces, raw[last:]])


def _touches(start: int, end: int, span: tuple[int, int]) -> bool:
    """Whether text[start:end] contains a repaired span (a removal is a point between two characters)."""
    low, high = span
    return start < low < end if low == high else start < high and low < end


def test_month_day_split() -> None:
    assert split_month_day("1030") == (10, 30)
    assert split_month_day("530") == (5, 30)
    assert split_month_day("1220") == (12, 20)
    assert split_month_day("1231") == (12, 31)
    assert split_month_day("130") == (1, 30)
    assert split_month_day("120") == (1, 20)
    assert split_month_day("1332") is None
    assert split_month_day("231") is None  # no 2月31日
    assert split_month_day("115") is None  # 1月15日 or 11月5日: a guess would state a false date


def test_deadline_cells_of_the_time_limit_column_are_fixed() -> None:
    raw = DAZHOU.read_text(encoding="utf-8")
    repaired = repair(raw)
    cells = re.findall(r"(?m)^(\d{3,4})日前$", raw)
    assert len(cells) == 49
    assert not re.search(r"(?m)^\d{3,4}日前$", repaired.text)
    assert len([r for r in repaired.repairs if r.kind is RepairKind.LOST_MONTH]) == len(cells)
    first = next(r for r in repaired.repairs if r.kind is RepairKind.LOST_MONTH)
    assert (first.original, first.replacement) == ("1030日", "10月30日")
    assert "time-limit column" in first.reason


def test_repairs_the_corpus_needs_still_happen() -> None:
    text = repair(DAZHOU.read_text(encoding="utf-8")).text
    assert "达州市人民政府办公室\n\n2022年5月26日" in text
    assert "川办发〔2022〕38号" in text
    assert "在2022年6月底前报送" in text
    assert "【字体" not in text and "\n打印\n" not in text
    furniture = repair((CORPUS / "台儿庄区_2023年政务公开工作要点.txt").read_text(encoding="utf-8")).text
    assert "·  12 —" not in furniture and "11 —" not in furniture and "bookmark" not in furniture
    assert "2．强化“放心消费在枣庄”" in furniture


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        ("序号\n工作任务\n完成时限\n1\n强化公开\n1030日前\n", "10月30日前"),
        ("| 序号 | 工作任务 | 完成时限 |\n|---|---|---|\n| 1 | 强化公开 | 630日前 |\n", "| 6月30日前 |"),
        ("序号\t任务\t完成时间\n1\t强化公开\t1130日之前\n", "\t11月30日之前"),
        ("各单位于2022年1030日前完成自查。", "2022年10月30日前"),
        ("3月31日前部署；各单位于1030日前报送总结。", "于10月30日前"),
        ("在20226月底前报送", "在2022年6月底前报送"),
        ("(川办发〔202238号)", "〔2022〕38号"),
        ("遵照 9 项标准，不低于 25%。", "遵照9项标准，不低于25%。"),
        ("附件\n— 3 —\n表1\n- 7 -\n表2\n·  12 —\n", "附件\n表1\n表2\n"),
        ("[bookmark: _GoBack]2．强化公开。", "2．强化公开。"),
        ("补贴期限：一次性。浏览次数：-\n", "补贴期限：一次性。\n"),
        ("发布日期：2023-11-07  浏览次数：1024\n", "发布日期：2023-11-07\n"),
    ],
)
def test_damage_with_certain_evidence_is_repaired(damaged: str, expected: str) -> None:
    repaired = repair(damaged)
    assert expected in repaired.text
    assert repaired.repairs or _squeeze(damaged) == _squeeze(expected)


@pytest.mark.parametrize(
    "damaged",
    [
        "各单位于1030日前报送总结。",  # no deadline column, no 月 date anywhere: the document's style is unknown
        "完成时限\n115日前\n",  # 1月15日 or 11月5日
        "完成时限\n120日\n",  # a duration in a time-limit column
        "完成时限\n2022526\n",  # not under an issuer, no lost 年月 elsewhere
        "60-69周岁\n",
        "3 —\n",
    ],
)
def test_damage_without_certain_evidence_is_left_alone(damaged: str) -> None:
    repaired = repair(damaged)
    assert repaired.text == damaged and not repaired.repairs


@pytest.mark.parametrize("correct", [*CORRECT_TEXT, PHONE_UNDER_A_UNIT])
def test_correct_text_is_untouched_even_in_a_damaged_document(correct: str) -> None:
    # The 达州 document has every kind of evidence: a 完成时限 column, lost 年 and 月, a lost 〕.
    raw = DAZHOU.read_text(encoding="utf-8")
    for before, after in ((f"{raw}\n\n", "\n"), ("", f"\n\n{raw}"), (f"{raw}\n完成时限\n", "\n")):
        repaired = repair(before + correct + after)
        at, end = len(before), len(before) + len(correct)
        assert not [r for r in repaired.repairs if r.start < end and at < r.end]
        start = repaired.origin.index(at)
        assert repaired.text[start : start + len(correct)] == correct
        assert repaired.original_span(start, start + len(correct)) == (at, end)


def test_urls_in_development_documents_keep_their_dates() -> None:
    for name, url_part in (
        ("内蒙古自治区鄂尔多斯市_2024_二孩三孩家庭育儿补贴及托育机构补贴实施细则.md", "t20241023_3670346.html"),
        ("吉林省_2025_育儿补贴制度实施方案政策解读.md", "t20251127_9361403.html"),
    ):
        repaired = repair(load_file(DEV_DOCS / name))
        assert url_part in repaired.text
        assert not [r for r in repaired.repairs if r.kind is not RepairKind.WEB_CHROME]


def test_citation_offsets_point_into_the_original_file() -> None:
    raw = DAZHOU.read_text(encoding="utf-8")
    repaired = repair(raw)
    assert isinstance(repaired, MappedText)
    at = repaired.text.index("10月30日前")
    start, end = repaired.original_span(at, at + len("10月30日前"))
    assert raw[start:end] == "1030日前"
    for probe in ("达州市人民政府办公室", "加强稳增长信息公开"):
        at = repaired.text.index(probe)
        start, end = repaired.original_span(at, at + len(probe))
        assert raw[start:end] == probe


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_repair_changes_only_what_it_reports_and_maps_back(path: Path) -> None:
    raw = load_file(path)
    repaired = repair(raw)
    # Outside the reported repairs only whitespace changed.
    assert _squeeze(_apply(raw, repaired)) == _squeeze(repaired.text)
    spans = [repaired.repaired_span(entry) for entry in repaired.repairs]
    for entry, (start, end) in zip(repaired.repairs, spans, strict=True):
        assert repaired.text[start:end] == entry.replacement
    # Any stretch of the repaired text without a repair is the original's text at its original span.
    rng = random.Random(path.name)
    for _ in range(300):
        length = rng.randint(4, 40)
        start = rng.randrange(max(1, len(repaired.text) - length))
        end = min(start + length, len(repaired.text))
        if any(_touches(start, end, span) for span in spans):
            continue
        low, high = repaired.original_span(start, end)
        assert _squeeze(raw[low:high]) == _squeeze(repaired.text[start:end])


@given(st.text(alphabet="完成时限于年月日前内号〔〕—-·| 1230596\n\r\t\u3000达州市人民政府办公室", max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_changes_only_where_reported(text: str) -> None:
    repaired = repair(text)
    assert _squeeze(_apply(text, repaired)) == _squeeze(repaired.text)
