"""HTML and Markdown for answers and citations; document text is always escaped before any markup is added.

Policy files are outside input: a file holding ``<script>``, tags or Markdown links must be shown as
text, never run or rendered. Every function here escapes document text first and only then adds its own
``<mark>`` and layout tags, so nothing from a document reaches the page as markup.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

# Characters Markdown (and Gradio's renderer: LaTeX, tables, emphasis, links) would read as syntax.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$>])")
# Characters of the original shown before and after a cited span: little before, so the span is in view.
CONTEXT_BEFORE, CONTEXT_AFTER = 120, 400
PREVIEW_CHARS = 160  # of the passage, in a marker's preview when the citation names no evidence


def escape(text: object) -> str:
    """Text as HTML text: tags, quotes and entities shown, never interpreted."""
    return html.escape("" if text is None else str(text), quote=True)


def escape_markdown(text: str) -> str:
    """Text for a Markdown message: HTML-escaped, then every Markdown metacharacter backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))  # no &#x27;: its # would be escaped


def highlight(text: str, start: int, end: int, css_class: str = "evidence") -> str:
    """``text`` escaped, with ``text[start:end]`` wrapped in ``<mark>`` (no mark for an empty or bad range)."""
    if not (0 <= start < end <= len(text)):
        return escape(text)
    return f'{escape(text[:start])}<mark class="{css_class}">{escape(text[start:end])}</mark>{escape(text[end:])}'


def locate_evidence(text: str, evidence: str) -> tuple[int, int]:
    """Where the evidence stands in ``text``: the whole of it, else its value after the last ``：``.

    A task record's evidence reads ``责任单位：党群工作部。`` while the original table row holds only
    ``党群工作部。``, so the value alone is tried too. (-1, -1) when neither is found.
    """
    for candidate in (evidence, evidence.rsplit("：", 1)[-1].strip()):
        if len(candidate) >= 2 and (at := text.find(candidate)) >= 0:
            return at, at + len(candidate)
    return -1, -1


def original_html(
    original: str, start: int, end: int, evidence: str = "", before: int = CONTEXT_BEFORE, after: int = CONTEXT_AFTER
) -> str:
    """The cited span of the original file with some text around it, span and evidence marked."""
    start, end = max(0, min(start, len(original))), max(0, min(end, len(original)))
    before_at = max(0, start - before)
    after_at = min(len(original), end + after)
    span = original[start:end]
    at, to = locate_evidence(span, evidence) if evidence else (-1, -1)
    inner = highlight(span, at, to) if at >= 0 else escape(span)
    return (
        ("…" if before_at > 0 else "")
        + escape(original[before_at:start])
        + f'<mark class="span">{inner}</mark>'
        + escape(original[end:after_at])
        + ("…" if after_at < len(original) else "")
    )


def document_link(doc_id: str, start: int, end: int) -> str:
    """Where the whole document opens scrolled to the cited span (served by ``api.document_page``)."""
    return f"/documents/{quote(doc_id, safe='')}?start={int(start)}&end={int(end)}#hit"


def citation_html(citation: dict, original: str | None = None) -> str:
    """One source card: title, jurisdiction and year, section path, passage with evidence, the original."""
    text = citation.get("text", "")
    passage = highlight(text, citation.get("evidence_start", -1), citation.get("evidence_end", -1))
    where = " · ".join(
        escape(part)
        for part in (citation.get("region"), citation.get("year"), citation.get("doc_number"), citation.get("issuer"))
        if part
    )
    parts = [
        f'<div class="citation" id="citation-{int(citation["n"])}">',
        f'<div class="citation-title"><span class="citation-n">[{int(citation["n"])}]</span> '
        f"{escape(citation.get('title'))}</div>",
        f'<div class="citation-meta">{where}</div>',
        f'<div class="citation-section">{escape(citation.get("section"))}</div>',
        f'<div class="citation-text">{passage}</div>',
    ]
    if original is not None:
        start, end = int(citation.get("start", 0)), int(citation.get("end", 0))
        excerpt = original_html(original, start, end, citation.get("evidence", ""))
        parts.append(
            '<details class="citation-original"><summary>查看原文（第 '
            f"{start}–{end} 字，共 {len(original)} 字）</summary>"
            f'<div class="original-text">{excerpt}</div>'
            f'<a href="{escape(document_link(citation["doc_id"], start, end))}" target="_blank" '
            'rel="noopener noreferrer">在新窗口打开全文并定位</a></details>'
        )
    parts.append("</div>")
    return "".join(parts)


def sources_html(citations: list[dict], originals: dict[str, str] | None = None, note: str = "") -> str:
    """The sources panel: one card per citation, or a short note when there is nothing to cite."""
    originals = originals or {}
    if not citations:
        return f'<div class="sources-empty">{escape(note or "提问后，这里显示答案引用的原文。")}</div>'
    cards = "".join(citation_html(citation, originals.get(citation["doc_id"])) for citation in citations)
    return f'<div class="sources">{cards}</div>'


def citation_preview(citation: dict | None) -> str:
    """What hovering (or tapping) a marker shows: the document, its jurisdiction and the evidence it cites."""
    if citation is None:
        return ""
    where = " ".join(str(part) for part in (citation.get("region"), citation.get("year")) if part)
    evidence = citation.get("evidence") or citation.get("text", "")[:PREVIEW_CHARS]
    return f"《{citation.get('title') or ''}》{where}：{evidence}"


def citation_marker(n: int, citation: dict | None) -> str:
    """``[n]`` as a link to its card in 出处 (``citations.js`` scrolls to and flashes it); the preview rides in
    ``title``, the one attribute beside ``href`` that the chat's HTML sanitizer keeps."""
    return f'<a class="cite" href="#citation-{int(n)}" title="{escape(citation_preview(citation))}">\\[{int(n)}\\]</a>'


MODE_LABELS = {
    True: '<span class="answer-mode generated" title="由语言模型根据引用的段落生成，[n] 已核实">生成</span>',
    False: '<span class="answer-mode extractive" title="摘自文件原文">摘录</span>',
}
_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")  # [n] as escape_markdown leaves it


def mode_label(generated: bool) -> str:
    """The 生成 / 摘录 label every answer starts with."""
    return MODE_LABELS[bool(generated)]


def generating_markdown(text: str) -> str:
    """A generated answer while it streams in: the label, then the text so far (markers checked at the end)."""
    return f"{mode_label(True)} *正在生成…*\n\n{escape_markdown(text)}"


def answer_markdown(answer: dict) -> str:
    """A chat message: the 生成 / 摘录 label, the note or refusal (``message``) in italics, then the generated
    text or one bold-labelled line per jurisdiction, each citation marker a link to its card."""
    cited = {int(citation["n"]): citation for citation in answer.get("citations", [])}
    parts = []
    if message := answer.get("message"):
        parts.append(f"*{escape_markdown(message)}*")
    if generated := answer.get("generated_text"):
        parts.append(
            _ESCAPED_MARKER.sub(lambda m: citation_marker(int(m[1]), cited.get(int(m[1]))), escape_markdown(generated))
        )
    for line in answer.get("lines", []):
        markers = "".join(citation_marker(n, cited.get(int(n))) for n in line.get("citations", []))
        label = f"**{escape_markdown(line['label'])}**：" if line.get("label") else ""
        parts.append(f"{label}{escape_markdown(line['text'])} {markers}".rstrip())
    return f"{mode_label(answer.get('generated', False))} " + "\n\n".join(parts)


def document_page(title: str, meta_line: str, original: str, start: int, end: int, evidence: str = "") -> str:
    """A whole document as a standalone page, the cited span marked with ``id="hit"`` so ``#hit`` scrolls to it."""
    start, end = max(0, min(start, len(original))), max(0, min(end, len(original)))
    if start < end:
        span = original[start:end]
        at, to = locate_evidence(span, evidence) if evidence else (-1, -1)
        inner = highlight(span, at, to) if at >= 0 else escape(span)
        body = f'{escape(original[:start])}<mark class="span" id="hit">{inner}</mark>{escape(original[end:])}'
    else:
        body = escape(original)
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="meta">{escape(meta_line)}</p>'
        f'<div class="original-text">{body}</div></body></html>'
    )


SOURCES_CSS = """
.sources { display: flex; flex-direction: column; gap: 10px; }
.citation { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; background: #fff; color: #1f2328; }
.citation-title { font-weight: 600; }
.citation-n { color: #0969da; }
.citation-meta, .citation-section { color: #57606a; font-size: 0.85em; margin-top: 2px; }
.citation-text, .original-text { white-space: pre-wrap; margin-top: 6px; line-height: 1.6; }
.original-text { max-height: 320px; overflow-y: auto; background: #f6f8fa; padding: 8px; border-radius: 6px; }
mark.evidence { background: #ffe58f; padding: 0 1px; }
mark.span { background: #dbeafe; }
.sources-empty { color: #57606a; padding: 12px; }
details.citation-original summary { cursor: pointer; color: #0969da; margin-top: 6px; }
.citation { scroll-margin: 12px; }
.citation.flash { animation: citation-flash 1.6s ease-out; }
@keyframes citation-flash { 0%, 40% { background: #fff3bf; box-shadow: 0 0 0 3px #f59f00; } 100% { background: #fff; } }
.answer-mode { display: inline-block; font-size: 0.8em; line-height: 1.5; padding: 0 6px; margin-right: 4px;
  border-radius: 4px; border: 1px solid; vertical-align: 1px; }
.answer-mode.generated { color: #8250df; border-color: #c297ff; background: #fbefff; }
.answer-mode.extractive { color: #1a7f37; border-color: #8ddb8c; background: #eefff0; }
a.cite { color: #0969da; text-decoration: none; cursor: pointer; padding: 0 1px; }
a.cite:hover, a.cite:focus { text-decoration: underline; }
#cite-preview { position: fixed; z-index: 1000; max-width: min(420px, 90vw); padding: 8px 10px; border-radius: 6px;
  background: #1f2328; color: #fff; font-size: 0.85em; line-height: 1.5; box-shadow: 0 4px 12px rgba(0,0,0,.25); }
"""

# What makes the markers links (run by Gradio on page load): scroll to and flash a card, preview on hover or tap.
CITATIONS_JS = (Path(__file__).parent / "static" / "citations.js").read_text(encoding="utf-8")

PAGE_CSS = """
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #1f2328; }
.meta { color: #57606a; }
.original-text { white-space: pre-wrap; line-height: 1.7; }
mark.span { background: #dbeafe; scroll-margin-top: 40vh; }
mark.evidence { background: #ffe58f; }
"""
