from assistant.repair import repair, split_month_day
from tests.paths import CORPUS


def test_month_day_split() -> None:
    assert split_month_day("1030") == (10, 30)
    assert split_month_day("530") == (5, 30)
    assert split_month_day("1220") == (12, 20)
    assert split_month_day("1231") == (12, 31)
    assert split_month_day("115") == (1, 15)
    assert split_month_day("1332") is None


def test_repairs_seen_in_the_corpus() -> None:
    damaged = (
        "·  12 —\n[bookmark: _GoBack]2．强化公开。\n完成时限\n1030日前\n530日前\n2022526\n"
        "在20226月底前报送(川办发〔202238号)\n遵照 9 项标准，不低于 25%。\n10个工作日内\n"
    )
    text = repair(damaged).text
    assert "·" not in text and "bookmark" not in text
    assert "2．强化公开。" in text
    assert "10月30日前" in text and "5月30日前" in text
    assert "2022年5月26日" in text
    assert "2022年6月底前" in text and "〔2022〕38号" in text
    assert "遵照9项标准，不低于25%。" in text
    assert "10个工作日内" in text  # not a lost 月


def test_citation_offsets_point_into_the_original_file() -> None:
    raw = (CORPUS / "达州市_2022年全市政务公开重点工作安排.txt").read_text(encoding="utf-8")
    repaired = repair(raw)
    at = repaired.text.index("10月30日前")
    start, end = repaired.original_span(at, at + len("10月30日前"))
    assert raw[start:end] == "1030日前"
    for probe in ("达州市人民政府办公室", "加强稳增长信息公开"):
        at = repaired.text.index(probe)
        start, end = repaired.original_span(at, at + len(probe))
        assert raw[start:end] == probe
