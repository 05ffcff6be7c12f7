"""Document text reaches the page as text: escaped first, then marked."""

from __future__ import annotations

from assistant.presentation.render import (
    answer_markdown,
    citation_html,
    document_link,
    document_page,
    escape_markdown,
    generating_markdown,
    highlight,
    locate_evidence,
    mode_label,
    original_html,
    sources_html,
)

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">[点我](javascript:alert(1))'


def citation(**changes: object) -> dict:
    base = {
        "n": 1,
        "doc_id": "高县_2023",
        "title": "2023年高县<b>政务</b>公开",
        "region": "四川省宜宾市高县",
        "year": 2023,
        "section": "分工表 > 政务新媒体",
        "text": "重点工作：加强管理。\n责任单位：县政府办公室。",
        "start": 10,
        "end": 30,
        "evidence": "责任单位：县政府办公室。",
        "evidence_start": 11,
        "evidence_end": 23,
        "kind": "record",
        "issuer": "高县人民政府办公室",
        "doc_number": "",
    }
    return {**base, **changes}


def test_highlight_escapes_before_marking() -> None:
    text = "a<b>责任单位</b>c"
    assert highlight(text, 4, 8) == 'a&lt;b&gt;<mark class="evidence">责任单位</mark>&lt;/b&gt;c'
    assert highlight(text, -1, -1) == "a&lt;b&gt;责任单位&lt;/b&gt;c"
    assert highlight(text, 5, 100) == "a&lt;b&gt;责任单位&lt;/b&gt;c"  # a bad range marks nothing


def test_hostile_text_never_becomes_markup() -> None:
    html = citation_html(
        citation(text=HOSTILE, title=HOSTILE, section=HOSTILE, evidence_start=0, evidence_end=8),
        original="前文" + HOSTILE + "后文",
    )
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_markdown_escaping_disarms_links_tags_and_latex() -> None:
    shown = escape_markdown(HOSTILE + " $x$ **粗体** 1. 列表")
    assert "<" not in shown and "](" not in shown and "\\$x\\$" in shown and "\\*\\*" in shown
    assert escape_markdown("它's") == "它's"  # no &#x27; whose # would then be escaped into visible text


def test_answer_markdown_labels_lines_and_italicises_the_note() -> None:
    cited = {"n": 1, "title": '清单"><script>', "region": "四川省宜宾市高县", "year": 2023, "evidence": "县政府办公室"}
    answer = {
        "message": "（理解为：高县政务新媒体由谁负责）",
        "lines": [{"label": "高县（2023）", "text": "牵头单位：县政府办公室<script>", "citations": [1, 2]}],
        "citations": [cited],
    }
    shown = answer_markdown(answer)
    assert shown.startswith(f"{mode_label(False)} *（理解为：高县政务新媒体由谁负责）*") and ">摘录</span>" in shown
    assert '**高县（2023）**：牵头单位：县政府办公室&lt;script&gt; <a class="cite" href="#citation-1"' in shown
    # The marker's preview: document, jurisdiction and evidence, escaped inside the attribute.
    assert 'title="《清单&quot;&gt;&lt;script&gt;》四川省宜宾市高县 2023：县政府办公室">\\[1\\]</a>' in shown
    assert '<a class="cite" href="#citation-2" title="">\\[2\\]</a>' in shown  # a marker without its citation


def test_a_generated_answer_is_labelled_and_its_markers_are_links() -> None:
    cited = {"n": 2, "title": "清单", "region": "四川省宜宾市高县", "year": 2023, "evidence": "县政府办公室"}
    answer = {"generated": True, "generated_text": "由县政府办公室*负责*[2]。", "citations": [cited], "lines": []}
    shown = answer_markdown(answer)
    assert shown.startswith(mode_label(True)) and ">生成</span>" in shown
    assert '县政府办公室\\*负责\\*<a class="cite" href="#citation-2"' in shown and shown.endswith("</a>。")
    assert generating_markdown("由县[1").endswith("由县\\[1")  # while streaming: escaped, markers not yet checked


def test_evidence_is_found_in_the_original_row_by_its_value() -> None:
    row = "\t\t开展清理。\t党群工作部。\t长期坚持\t"
    assert locate_evidence(row, "责任单位：党群工作部。") == (row.index("党群"), row.index("党群") + 6)
    assert locate_evidence(row, "没有的内容") == (-1, -1)


def test_original_excerpt_marks_span_and_evidence_with_context() -> None:
    original = "甲" * 1000 + "责任单位：县政府办公室。" + "乙" * 1000
    html = original_html(original, 1000, 1012, "县政府办公室", before=5, after=5)
    assert html == (
        '…甲甲甲甲甲<mark class="span">责任单位：<mark class="evidence">县政府办公室</mark>。</mark>乙乙乙乙乙…'
    )


def test_citation_card_shows_where_it_is_from_and_links_to_the_whole_document() -> None:
    html = citation_html(citation(), original="x" * 40)
    assert "2023年高县&lt;b&gt;政务&lt;/b&gt;公开" in html
    assert "四川省宜宾市高县 · 2023 · 高县人民政府办公室" in html
    assert "分工表 &gt; 政务新媒体" in html
    assert '<mark class="evidence">责任单位：县政府办公室。</mark>' in html  # evidence_start..end of the passage text
    assert "查看原文（第 10–30 字，共 40 字）" in html
    assert document_link("高县_2023", 10, 30) in html.replace("&amp;", "&")


def test_document_link_quotes_the_id() -> None:
    assert document_link("a/../b?c", 1, 2) == "/documents/a%2F..%2Fb%3Fc?start=1&end=2#hit"


def test_sources_panel_without_citations_shows_the_note_escaped() -> None:
    assert "&lt;i&gt;" in sources_html([], note="<i>未找到</i>")
    assert sources_html([citation(), citation(n=2)]).count('class="citation"') == 2


def test_document_page_marks_the_hit_and_escapes_everything() -> None:
    page = document_page("<t>", "meta", "前" + HOSTILE + "后", 1, 1 + len(HOSTILE))
    assert '<mark class="span" id="hit">&lt;script&gt;' in page
    assert "<script" not in page and "<img" not in page and "<title>&lt;t&gt;</title>" in page
