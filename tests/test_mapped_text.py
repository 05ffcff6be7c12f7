from assistant.mapped_text import MappedText


def test_substitution_keeps_origin_of_surviving_characters() -> None:
    text = MappedText.identity("截止1030日前完成")
    repaired = text.sub(r"(\d)(\d{2})(?=日)", r"\1月\2")
    assert repaired.text == "截止10月30日前完成"
    start = repaired.text.index("30日")
    assert repaired.original_span(start, start + 3) == (4, 7)  # the real "30日" in the original
    assert repaired.original_span(0, len(repaired)) == (0, len(text))


def test_deletion_and_concat_map_back_into_the_original() -> None:
    text = MappedText.identity("甲乙[x]丙丁")
    cleaned = text.sub(r"\[x\]", "")
    assert cleaned.text == "甲乙丙丁"
    assert cleaned.original_span(2, 4) == (5, 7)
    joined = MappedText.concat([cleaned.slice(0, 2), cleaned.slice(2, 4)])
    assert joined.text == "甲乙丙丁" and joined.origin == cleaned.origin


def test_no_match_returns_same_object() -> None:
    text = MappedText.identity("无需修改")
    assert text.sub("x", "y") is text
