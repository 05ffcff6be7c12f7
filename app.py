"""政策问答 web app: a Gradio chat with cited sources for citizens and operators, and a REST API beside it.

    python app.py [--host 127.0.0.1] [--port 7860] [--corpus DIR] [--index DIR] [--model M] [--data DIR]
                  [--read-only] [--rate-limit N] [--rate-burst N] [--corpus-quota-mb N]

The engine is opened once at start-up (building the index if needed); the UI and the API share it through
``PolicyService``. This file only lays out the page and wires events; answering, rendering, feedback and
uploads live in ``assistant/``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no calls home

import gradio as gr
import uvicorn
from gradio.utils import get_upload_folder

from assistant.answering.generation import GenerationSettings
from assistant.cli import add_index_arguments, index_settings
from assistant.documents import META_FIELDS
from assistant.engine import DEFAULT_CORPUS, DEFAULT_DATA, DEFAULT_INDEX, Engine
from assistant.indexing.store import IndexUnavailable
from assistant.loading import SUPPORTED_SUFFIXES
from assistant.presentation import history
from assistant.presentation.access import AccessPolicy
from assistant.presentation.api import LOOPBACK_HOSTS, create_api
from assistant.presentation.audit import AUDIT_FILE, Action, AuditEntry, AuditLog
from assistant.presentation.audit import COLUMNS as AUDIT_COLUMNS
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.limits import MEGABYTE, RequestLimits
from assistant.presentation.locale import CHINESE_JS, ChineseLocale
from assistant.presentation.management import ManagementError
from assistant.presentation.render import (
    CITATIONS_JS,
    SOURCES_CSS,
    answer_markdown,
    escape_markdown,
    generating_markdown,
    mode_label,
    sources_html,
)
from assistant.presentation.service import READ_ONLY_MESSAGE, PolicyService, ReadOnlyError
from assistant.presentation.upload import (
    CORPUS_QUOTA_BYTES,
    MAX_FILES_PER_UPLOAD,
    MAX_UPLOAD_BYTES,
    UploadRefused,
    received_file,
)
from assistant.retrieval.hit import Hit
from assistant.retrieval.question import (
    PASTE_CHARS,
    QuestionError,
    extract_question,
    normalize_question,
)

EXAMPLES = [
    "政务新媒体由谁负责",
    "高县政务新媒体由谁负责",
    "政府的公众号归谁管？",
    "政府网站适老化改造什么时候完成",
    "政务新媒体季度抽查比例不低于多少",
]
ALL = ""  # the filter value meaning "no filter"
DOCUMENT_COLUMNS = ["doc_id", "title", "region", "year", "issuer", "doc_number", "file", "passages"]
HIT_COLUMNS = [
    "排名",
    "最终得分",
    "BM25 得分",
    "BM25 排名",
    "向量得分",
    "向量排名",
    "地区",
    "年份",
    "文件",
    "章节",
    "段落",
]
STAGED_COLUMNS = ["doc_id", "title", "region", "year", "issuer", "file", "passages", "staged_at", "sha256"]
COLUMN_LABELS = {  # the tables' headers (the rows keep the API's field order)
    "doc_id": "文件编号",
    "file": "文件名",
    "passages": "段落数",
    "staged_at": "暂存时间",
    "sha256": "SHA-256",
    "at": "时间",
    "actor": "操作人",
    "action": "操作",
    "before": "修改前",
    "after": "修改后",
    "detail": "说明",
}
META_LABELS = {
    "title": "标题",
    "issuer": "发文机关",
    "region": "地区",
    "year": "年份",
    "date": "日期",
    "doc_number": "文号",
    "published": "发布日期",
    "effective": "施行日期",
    "expires": "有效期至",
    "genre": "文种",
}
# The sources panel scrolls on its own beside the chat (Gradio's block style would let it overflow, clipped);
# on a phone the columns stack and the page scrolls instead.
CSS = (
    SOURCES_CSS
    + """
#question-count { color: #57606a; font-size: 0.85em; margin-top: -8px; }
#sources-column { position: sticky; top: 8px; align-self: flex-start; }
#sources { max-height: calc(100vh - 72px); overflow-y: auto !important; overscroll-behavior: contain; }
@media (max-width: 767px) {
  #sources-column { position: static; }
  #sources { max-height: none; overflow-y: visible !important; }
  #chat { height: 38vh !important; min-height: 220px; }  /* the input in view on load */
  #intro p, #clear { display: none; }  /* the chat's own 🗑 clears it too */
  #ask-row #question { flex: 1 1 auto; min-width: 0; }
}
/* Touch targets of at least 40 px on phones and touch screens (Gradio draws its icon buttons at 18 px). */
@media (max-width: 767px), (pointer: coarse) {
  #chat button.icon-button, #concise button, #sources summary, .options .item { min-width: 40px; min-height: 40px; }
  #chat .message-buttons, #chat [class*="message-buttons"] { gap: 4px; }
  #ask-row { flex-wrap: nowrap; }
  #ask-row button { min-width: 64px; max-width: 88px; min-height: 44px; }
}
"""
)


# Gradio's own strings that its Chinese (zh-CN, pinned by ``ChineseLocale``) translation lacks.
GRADIO_CHINESE = gr.I18n(
    **{"zh-CN": {"chatbot": {"copy_message": "复制", "copied_message": "已复制"}, "common": {"complete": "完成"}}}
)


# The counter under the input as the user types or pastes, in the browser (code points, as Python's len counts);
# beyond PASTE_CHARS the question sentence is extracted from the text (``extract_question``).
COUNTER_JS = (
    "(text) => { const count = [...(text || '')].length; return count > "
    f"{PASTE_CHARS} ? `${{count}} 字：较长的粘贴，将从中提取问题句提问` : `${{count}} / {PASTE_CHARS} 字`; }}"
)


def _headers(columns: list[str] | tuple[str, ...]) -> list[str]:
    return [COLUMN_LABELS.get(column) or META_LABELS.get(column, column) for column in columns]


def _table(rows: list[list], columns: list[str] | tuple[str, ...], label: str, elem_id: str) -> gr.Dataframe:
    """One of the admin page's read-only tables, its headers in Chinese."""
    return gr.Dataframe(rows, headers=_headers(columns), label=label, interactive=False, elem_id=elem_id)


def _filter_choices(service: PolicyService) -> tuple[list, list, list]:
    """The filters' choices from the index as it is now: regions, years, documents by their titles."""
    documents = service.documents()
    regions = [("全部地区", ALL)] + [(region, region) for region in sorted({d["region"] for d in documents} - {""})]
    files = [(f"{d['title']}（{d['region'] or '地区不详'} {d['year'] or ''}）", d["doc_id"]) for d in documents]
    return regions, _year_choices(documents), files


def _year_choices(documents: list[dict], region: str = ALL) -> list[tuple[str, str]]:
    """The years the documents of ``region`` (all regions: ALL) have."""
    years = {d["year"] for d in documents if d["year"] and (region == ALL or d["region"] == region)}
    return [("全部年份", ALL)] + [(str(year), str(year)) for year in sorted(years)]


def _no_match(region: str, year: str, doc_ids: list[str]) -> str:
    """What a search within filters no document passes says, naming the filters."""
    chosen = "、".join(
        part
        for part in (region, f"{year}年" if year else "", f"所选的 {len(doc_ids)} 个文件" if doc_ids else "")
        if part
    )
    return f"没有同时符合筛选条件（{chosen}）的文件，请放宽地区、年份或文件的筛选。"


def _document_rows(service: PolicyService) -> list[list]:
    return [[row.get(column, "") for column in DOCUMENT_COLUMNS] for row in service.documents()]


def build_ui(service: PolicyService, feedback: FeedbackStore, history_secret: str) -> gr.Blocks:
    """The public page: past conversations, filters, chat and operator tools on the left, the cited sources on
    the right. Conversations are kept in the browser (``assistant/presentation/history.py``)."""
    regions, years, files = _filter_choices(service)

    def render_sources(record: dict | None) -> str:
        if record is None:
            return sources_html([])
        citations = record["answer"]["citations"]
        note = record["answer"].get("message") or "这个回答没有引用。"
        return sources_html(citations, service.originals_for(citations), note)

    def shown_conversation(stored: dict) -> tuple:
        """The chat, its records, the last answer's sources and concise line, and the list, for ``stored``."""
        conversation = history.find(stored, stored["current"])
        chat, records = (conversation["chat"], conversation["records"]) if conversation else ([], [])
        last = records[-1] if records else None
        listed = gr.update(choices=history.choices(stored), value=stored["current"])
        return chat, records, render_sources(last), last["concise"] if last else "", stored, listed

    def respond(
        question: str,
        chat: list,
        records: list,
        stored: dict,
        region: str,
        year: str,
        doc_ids: list[str],
        concise: bool,
    ) -> Iterator[tuple]:
        """Answer in the chat (a generated answer as its tokens arrive), show its sources, keep the conversation."""
        text = (question or "").strip()
        chat, records = list(chat or []), list(records or [])
        keep = gr.update(), gr.update()  # the stored history and the list, until the answer is in
        if not text:
            gr.Warning("请输入要查询的问题。", title="提示")
            yield chat, question, records, gr.update(), gr.update(), *keep
            return
        pasted, text = text, extract_question(text)  # a long paste: the question sentence in it
        shown_question = escape_markdown(text)
        if text != pasted:
            shown_question += f"\n\n*（从粘贴的 {len(pasted)} 字中提取的问题）*"
        chat += [{"role": "user", "content": shown_question}, {"role": "assistant", "content": "正在查找…"}]
        if not service.filters_match(region or None, int(year) if year else None, doc_ids):
            chat[-1] = {"role": "assistant", "content": f"*{escape_markdown(_no_match(region, year, doc_ids))}*"}
            yield chat, "", records, sources_html([], note="没有符合筛选条件的文件。"), gr.update(), *keep
            return
        yield chat, "", records, sources_html([], note="正在查找相关文件…"), gr.update(), *keep
        filters = (region or None, int(year) if year else None, doc_ids or None)
        generated = ""
        for item in service.answer_stream(text, history.turns(records), *filters):
            if isinstance(item, str):  # a piece of the generated answer, as the language model sends it
                generated += item
                chat[-1] = {"role": "assistant", "content": generating_markdown(generated)}
                yield chat, "", records, gr.update(), gr.update(), *keep
                continue
            answered = item
        answer = answered.answer
        lines_only = concise and not answer.generated  # operator mode: a generated answer is shown as it is
        record = history.new_record(answered, len(chat) - 1, lines_only)
        shown = answer_markdown(record["answer"])
        if lines_only:
            shown = _concise_markdown(answer.message, record["concise"])
        chat[-1] = {"role": "assistant", "content": shown}
        records.append(record)
        stored = history.save(stored, chat, records)
        listed = gr.update(choices=history.choices(stored), value=stored["current"])
        yield (
            chat,
            "",
            records,
            render_sources(record),
            gr.update(value=record["concise"], visible=concise),
            stored,
            listed,
        )

    def restore(stored: dict) -> tuple:
        """On (re)load: the conversation this browser had open, and its list of past conversations."""
        return shown_conversation(history.prune(stored))

    def open_conversation(conversation_id: str | None, stored: dict) -> tuple:
        return shown_conversation(history.opened(stored, conversation_id))

    def new_conversation(stored: dict) -> tuple:
        """An empty chat; the one that was open stays in the list."""
        return shown_conversation(history.opened(stored, None))

    def delete_conversation(stored: dict) -> tuple:
        """The open conversation removed from this browser; an empty chat is left."""
        stored = history.prune(stored)
        return shown_conversation(history.delete(stored, stored["current"]))

    def select_message(records: list, event: gr.SelectData) -> tuple:
        """Clicking an earlier answer shows its sources again."""
        record = _record_at(records, event.index)
        if record is None:
            return gr.update(), gr.update()
        return render_sources(record), gr.update(value=record["concise"])

    def like(records: list, comment: str, event: gr.LikeData) -> tuple:
        """The chat's 👍/👎 under each answer: one judgement per answer, the later replacing the earlier (a
        second press of the same thumb, which un-marks it, keeps it). What is stored is what the user saw."""
        record = _record_at(records, event.index)
        if event.liked not in (True, False) or record is None:
            return gr.update(), gr.update(), records
        rating = "up" if event.liked else "down"
        record["comment"] = (comment or "").strip() or record.get("comment", "")
        answer = record["answer"]
        feedback.add(
            answer["question"],
            record["seen"],
            rating,
            record["comment"],
            answer["citations"],
            answer["understood"],
            key=record["id"],
        )
        return f"已记录{'👍' if rating == 'up' else '👎'}（每个回答只保留最后一次评价），谢谢反馈。", "", records

    def narrow_years(chosen: str, year: str) -> dict:
        """Only the chosen region's years (the year kept if that region has it)."""
        choices = _year_choices(service.documents(), chosen or ALL)
        return gr.update(choices=choices, value=year if year in {value for _, value in choices} else ALL)

    def toggle_concise(concise: bool, records: list) -> dict:
        return gr.update(visible=concise, value=records[-1]["concise"] if records else "")

    with gr.Blocks(title="政策问答", analytics_enabled=False) as ui:
        records = gr.State([])
        stored = gr.BrowserState(history.EMPTY, storage_key=history.STORAGE_KEY, secret=history_secret)
        gr.Markdown(
            "## 政策问答\n根据政府政策文件回答问题，每句回答都注明出处。可以追问，如“那高县呢？”。", elem_id="intro"
        )
        with gr.Tab("问答"):
            with gr.Accordion("历史对话", open=False, elem_id="history"):
                conversations = gr.Radio(
                    [],
                    value=None,
                    label=f"过去的对话（点击打开；只存在本浏览器，其他浏览器看不到；"
                    f"最多 {history.MAX_CONVERSATIONS} 个，保留 {history.RETENTION_DAYS} 天）",
                    elem_id="conversations",
                )
                with gr.Row():
                    new_chat = gr.Button("新对话", elem_id="new-chat", scale=1)
                    delete = gr.Button("删除当前对话", variant="stop", elem_id="delete-chat", scale=1)
                    forget = gr.Button("清空全部历史（共用电脑时）", variant="stop", elem_id="delete-all", scale=1)
            with gr.Row():
                region = gr.Dropdown(regions, value=ALL, label="地区", elem_id="filter-region")
                year = gr.Dropdown(years, value=ALL, label="年份", elem_id="filter-year")
                doc_ids = gr.Dropdown(
                    files, value=[], multiselect=True, label="文件（不选即全部）", elem_id="filter-docs"
                )
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="对话",
                        height=480,
                        elem_id="chat",
                        sanitize_html=True,
                        latex_delimiters=[],
                        buttons=["copy"],
                        placeholder="请在下方输入问题。",
                    )
                    concise_box = gr.Textbox(  # operator mode: the concise line right under the answer
                        label="简洁答复（可复制）",
                        lines=3,
                        interactive=False,
                        visible=False,
                        buttons=["copy"],
                        elem_id="concise",
                    )
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(
                            placeholder="输入问题，如：政务新媒体由谁负责",
                            label="问题",  # read by screen readers only
                            show_label=False,
                            scale=5,
                            elem_id="question",
                        )  # no max_length: the box would cut a paste silently, dropping the question at its end
                        ask = gr.Button("提问", variant="primary", scale=1, elem_id="ask")
                        clear = gr.Button("新对话", scale=1, elem_id="clear")
                    counter = gr.Markdown(f"0 / {PASTE_CHARS} 字", elem_id="question-count")
                    concise = gr.Checkbox(label="接线员简洁模式（每个地区一行：单位、时限）", elem_id="concise-mode")
                    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
                with gr.Column(scale=2, elem_id="sources-column"):
                    gr.Markdown("### 出处")
                    sources = gr.HTML(sources_html([]), elem_id="sources")
            # Below both columns: on a phone the sources come before it.
            comment = gr.Textbox(label="反馈意见（可选）：写下后点回答下方的 👍 或 👎", elem_id="feedback-comment")
            feedback_status = gr.Markdown(elem_id="feedback-status")
        gr.Markdown("[管理（上传、替换文件，导出反馈；需登录）](/admin/)", elem_id="admin-link")

        ask_inputs = [question, chatbot, records, stored, region, year, doc_ids, concise]
        ask_outputs = [chatbot, question, records, sources, concise_box, stored, conversations]
        shown = [chatbot, records, sources, concise_box, stored, conversations]
        question.change(None, question, counter, js=COUNTER_JS)  # counted in the browser, as it is typed
        # A question sent while the last answer is still being stored is asked next, not dropped.
        question.submit(respond, ask_inputs, ask_outputs, trigger_mode="always_last")
        ask.click(respond, ask_inputs, ask_outputs, trigger_mode="always_last")
        ui.load(restore, stored, shown)
        conversations.input(open_conversation, [conversations, stored], shown)
        for starts_anew in (clear.click, new_chat.click, chatbot.clear):  # the chat's own 🗑 too
            starts_anew(new_conversation, stored, shown)
        delete.click(delete_conversation, stored, shown)
        forget.click(lambda: shown_conversation(history.prune(None)), None, shown)
        chatbot.select(select_message, [records], [sources, concise_box])
        chatbot.like(like, [records, comment], [feedback_status, comment, records])
        concise.change(toggle_concise, [concise, records], concise_box)
        # Documents added on the admin page appear in the filters when the page is (re)loaded.
        refreshed = [region, year, doc_ids]
        ui.load(lambda: [gr.update(choices=choices) for choices in _filter_choices(service)], None, refreshed)
        region.change(narrow_years, [region, year], year)
    # Several operators at once: answering is read-only, so events need not wait for each other.
    ui.queue(default_concurrency_limit=4)
    return ui


def build_admin_ui(service: PolicyService, feedback: FeedbackStore) -> gr.Blocks:
    """The admin page at ``/admin`` (behind Gradio's login): add, replace, delete, restore and correct documents,
    review staged ones (search, publish, discard), the audit log, feedback export. Every action refreshes the
    lists on the page; the public page's filters follow when it is (re)loaded.
    """

    def lists(doc: str | None = None) -> tuple:
        """The document table, the document chooser (keeping ``doc`` if it still exists), the audit table, the
        staged documents' table and chooser."""
        choices = _managed_choices(service)
        value = doc if doc in {value for _, value in choices} else None
        staged = gr.update(choices=_staged_choices(service), value=None)
        return (
            _document_rows(service),
            gr.update(choices=choices, value=value),
            _audit_rows(service),
            _staged_rows(service),
            staged,
        )

    def upload(paths: list[str] | None, replace: bool, stage: bool, request: gr.Request) -> tuple:
        if not paths:
            return "请先选择文件。", *lists()
        if stage and replace:
            return "暂存不替换任何文件：请只勾选其中一项（替换同名文件在发布时选择）。", *lists()
        received, refused = [], {}
        for path in paths:  # the path comes from the client: only Gradio's own upload files are read
            try:
                received.append((received_file(path, Path(get_upload_folder())), Path(path).name))
            except UploadRefused as error:
                refused[Path(str(path)).name] = str(error)
        try:
            result = service.admin.upload(received, replace, _admin_actor(request), stage=stage)
        except (ReadOnlyError, UploadRefused) as error:
            return str(error), *lists()
        result.refused.update(refused)
        report = result.summary() + (f"\n（用时 {result.seconds:.1f} 秒）" if result.added else "")
        return report, *lists()

    def form(doc: str | None) -> list[str]:
        row = next((row for row in service.documents() if row["doc_id"] == doc), {})
        return [str(row.get(key) or "") for key in META_FIELDS]

    def select(doc: str | None) -> tuple:
        """The chosen document's metadata in the form, its kept versions in the version chooser."""
        fields = form(doc)
        try:
            _, versions = service.admin.versions_of(doc) if doc else ("", [])
        except ManagementError:
            versions = []
        return *fields, gr.update(choices=_version_choices(versions), value=None)

    def act(doc: str | None, action: Callable[[str], str]) -> tuple:
        if not doc:
            return "请先选择文件。", *lists(doc)
        try:
            message = action(doc)
        except (ManagementError, ReadOnlyError) as error:
            message = f"未完成：{error}"
        return message, *lists(doc)

    def save_meta(request: gr.Request, doc: str | None, *values: str) -> tuple:
        """Only the fields the administrator changed are sent; an emptied one goes back to the file's own."""
        current = next((row for row in service.documents() if row["doc_id"] == doc), {})
        changes = {
            key: value.strip()
            for key, value in zip(META_FIELDS, values, strict=True)
            if value.strip() != str(current.get(key) or "")
        }
        if doc and not changes:
            return "元数据没有改动。", *lists(doc), *form(doc)
        done = act(doc, lambda d: service.admin.edit_meta(d, changes, _admin_actor(request)).message)
        return *done, *form(doc)  # the form shows what is in force now (an emptied field: the file's own)

    def remove(doc: str | None, request: gr.Request) -> tuple:
        return act(doc, lambda d: service.admin.remove(d, _admin_actor(request)).message)

    def restore(doc: str | None, version: str | None, request: gr.Request) -> tuple:
        if not version:
            return "请先选择要恢复的版本。", *lists(doc)
        return act(doc, lambda d: service.admin.restore(d, version, _admin_actor(request)).message)

    def search_staged(question: str) -> str:
        """Cited passages from the staged documents only, each marked as staged."""
        try:
            text = normalize_question(question or "")
        except QuestionError as error:
            return sources_html([], note=str(error))
        citations = [
            {**hit.to_dict(), "n": hit.rank, "title": f"【暂存】{hit.meta.title}"}
            for hit in service.search(text, k=5, staged=True)
        ]
        return sources_html(citations, note="暂存的文件中没有找到相关段落。")

    def publish(staged: str | None, replace: bool, request: gr.Request) -> tuple:
        if not staged:
            return "请先选择暂存的文件。", *lists()
        return act(staged, lambda d: service.admin.publish(d, replace, _admin_actor(request)).message)

    def discard(staged: str | None, request: gr.Request) -> tuple:
        if not staged:
            return "请先选择暂存的文件。", *lists()
        return act(staged, lambda d: service.admin.discard(d, _admin_actor(request)).message)

    def hit_test(question: str, mode: str, k: float, region: str, year: str, doc_ids: list[str]) -> tuple:
        """命中测试: the library's ranked passages (per-leg scores and ranks) and its answer, in ``mode``."""
        try:
            text = normalize_question(question or "")
        except QuestionError as error:
            return f"**{escape_markdown(str(error))}**", "", []
        tested = service.hit_test(text, mode, int(k), region or None, int(year) if year else None, doc_ids or None)
        answer = tested.answer.to_dict()
        return _decision_markdown(answer), answer_markdown(answer), _hit_rows(tested.hits)

    regions, years, files = _filter_choices(service)
    exports = Path(tempfile.mkdtemp(prefix="policy-qa-export-"))  # one folder, overwritten by each export

    def export(request: gr.Request) -> tuple:
        if service.audit is not None:
            service.audit.record(AuditEntry(_admin_actor(request), Action.FEEDBACK_EXPORT, detail="jsonl, csv"))
        (exports / "feedback.jsonl").write_text(feedback.export_jsonl(), encoding="utf-8")
        (exports / "feedback.csv").write_text(feedback.export_csv(), encoding="utf-8")
        return [str(exports / "feedback.jsonl"), str(exports / "feedback.csv")], _audit_rows(service)

    def export_audit() -> list[str]:
        if service.audit is None:
            return []
        (exports / "audit.jsonl").write_text(service.audit.export_jsonl(), encoding="utf-8")
        (exports / "audit.csv").write_text(service.audit.export_csv(), encoding="utf-8")
        return [str(exports / "audit.jsonl"), str(exports / "audit.csv")]

    with gr.Blocks(title="政策问答 · 管理", analytics_enabled=False) as ui:
        gr.Markdown("## 政策问答 · 管理　[返回问答](/)")
        if service.read_only:
            gr.Markdown(f"**{READ_ONLY_MESSAGE}**", elem_id="read-only")
        with gr.Tab("文件管理", elem_id="documents-tab"):
            gr.Markdown(
                f"### 添加文件\n支持 {'、'.join(SUPPORTED_SUFFIXES)}，每个不超过 "
                f"{MAX_UPLOAD_BYTES // MEGABYTE} MB，一次最多 {MAX_FILES_PER_UPLOAD} 个，语料合计不超过 "
                f"{service.corpus_quota_bytes // MEGABYTE} MB；加入后立即可查，无需重启。"
            )
            files_in = gr.File(
                file_count="multiple", file_types=list(SUPPORTED_SUFFIXES), label="选择文件", elem_id="upload"
            )
            with gr.Row():
                replace = gr.Checkbox(
                    label="替换同名文件（新版本取代旧版本，旧版本保存，可恢复）",
                    value=False,
                    elem_id="replace-documents",
                )
                stage = gr.Checkbox(label="暂存待审核（仅管理员可检索）", value=False, elem_id="stage-documents")
            add = gr.Button("加入索引", variant="primary", elem_id="add-documents")
            upload_report = gr.Textbox(label="结果", lines=3, interactive=False, elem_id="upload-report")
            documents = _table(_document_rows(service), DOCUMENT_COLUMNS, "已收录文件", "documents")
            gr.Markdown(
                "### 管理文件\n选择文件后可修正元数据（清空一项即恢复为文件自身的值）、删除，或恢复保存的版本。"
            )
            doc = gr.Dropdown(_managed_choices(service), value=None, label="文件", elem_id="manage-doc")
            with gr.Row():
                meta = [gr.Textbox(label=META_LABELS[key], elem_id=f"meta-{key}") for key in META_FIELDS]
            with gr.Row():
                save = gr.Button("保存元数据", variant="primary", elem_id="save-meta")
                delete = gr.Button("删除文件", variant="stop", elem_id="delete-document")
            with gr.Row():
                version = gr.Dropdown([], value=None, label="保存的版本", elem_id="manage-version", scale=3)
                restore_button = gr.Button("恢复此版本", elem_id="restore-version", scale=1)
            action_report = gr.Textbox(label="操作结果", interactive=False, elem_id="manage-report")
            gr.Markdown(
                "### 暂存待审核\n暂存的文件只在这里可检索，问答页面和公开接口都看不到。审核后发布（立即公开，"
                "不再重新计算向量；同名文件须勾选替换，旧版本保存）或丢弃（文件保存为版本，可恢复）。"
            )
            staged_table = _table(_staged_rows(service), STAGED_COLUMNS, "暂存的文件", "staged")
            with gr.Row():
                staged_question = gr.Textbox(label="检索暂存的文件", elem_id="staged-question", scale=3)
                staged_search = gr.Button("检索", elem_id="staged-search", scale=1)
            staged_hits = gr.HTML(sources_html([], note="检索结果只来自暂存的文件。"), elem_id="staged-hits")
            with gr.Row():
                staged_doc = gr.Dropdown(
                    _staged_choices(service), value=None, label="暂存的文件", elem_id="staged-doc", scale=3
                )
                publish_replace = gr.Checkbox(label="替换同名的已发布文件", value=False, elem_id="publish-replace")
                publish_button = gr.Button("发布", variant="primary", elem_id="publish-staged", scale=1)
                discard_button = gr.Button("丢弃", variant="stop", elem_id="discard-staged", scale=1)
            staged_report = gr.Textbox(label="审核结果", interactive=False, elem_id="staged-report")
            gr.Markdown(
                "### 审计日志\n每项管理操作：谁、何时、做了什么、文件的 SHA-256、修改前后的元数据（最新的在前）。"
            )
            audit = _table(_audit_rows(service), AUDIT_COLUMNS, "审计日志", "audit")
            export_audit_button = gr.Button("导出审计日志", elem_id="export-audit")
            exported_audit = gr.File(label="审计日志文件", file_count="multiple", interactive=False)
            gr.Markdown(
                "### 反馈导出\n脚本可用管理令牌调用 `GET /api/feedback/export?format=jsonl|csv`、`GET /api/audit`"
                "（见[接口文档](/docs)）。"
            )
            export_button = gr.Button("导出反馈", elem_id="export-feedback")
            exported = gr.File(label="反馈文件", file_count="multiple", interactive=False, elem_id="exported")

        with gr.Tab("命中测试", elem_id="hit-test-tab"):
            gr.Markdown(
                "### 命中测试\n输入问题、筛选条件和检索方式，查看检索到的段落（每一路的得分与排名）、"
                "作答或拒答的判定及依据，以及按该方式作答的结果。"
            )
            with gr.Row():
                test_question = gr.Textbox(label="问题", elem_id="hit-question", scale=3)
                test_mode = gr.Radio(
                    [("混合（BM25 + 向量）", "hybrid"), ("BM25", "bm25"), ("向量", "dense")],
                    value="hybrid",
                    label="检索方式",
                    elem_id="hit-mode",
                    scale=2,
                )
            with gr.Row():
                test_region = gr.Dropdown(regions, value=ALL, label="地区", elem_id="hit-region")
                test_year = gr.Dropdown(years, value=ALL, label="年份", elem_id="hit-year")
                test_docs = gr.Dropdown(
                    files, value=[], multiselect=True, label="文件（不选即全部）", elem_id="hit-docs"
                )
                test_k = gr.Slider(1, 50, value=10, step=1, label="段落数", elem_id="hit-k")
            test_button = gr.Button("测试", variant="primary", elem_id="hit-run")
            test_decision = gr.Markdown(elem_id="hit-decision")
            test_answer = gr.Markdown(elem_id="hit-answer")
            test_hits = gr.Dataframe(
                headers=HIT_COLUMNS,
                label="检索到的段落（按最终得分排序）",
                interactive=False,
                wrap=True,
                elem_id="hit-table",
            )

        refreshed = [documents, doc, audit, staged_table, staged_doc]
        ui.load(lists, None, refreshed)  # a reload shows the index as it is now, not as it was at start-up
        add.click(upload, [files_in, replace, stage], [upload_report, *refreshed])
        staged_search.click(search_staged, staged_question, staged_hits)
        staged_question.submit(search_staged, staged_question, staged_hits)
        publish_button.click(publish, [staged_doc, publish_replace], [staged_report, *refreshed])
        discard_button.click(discard, staged_doc, [staged_report, *refreshed])
        doc.change(select, doc, [*meta, version])
        save.click(save_meta, [doc, *meta], [action_report, *refreshed, *meta])
        delete.click(remove, doc, [action_report, *refreshed])
        restore_button.click(restore, [doc, version], [action_report, *refreshed])
        export_button.click(export, None, [exported, audit])
        export_audit_button.click(export_audit, None, exported_audit)
        test_inputs = [test_question, test_mode, test_k, test_region, test_year, test_docs]
        test_outputs = [test_decision, test_answer, test_hits]
        test_button.click(hit_test, test_inputs, test_outputs)
        test_question.submit(hit_test, test_inputs, test_outputs)
        test_filters = [test_region, test_year, test_docs]
        ui.load(lambda: [gr.update(choices=choices) for choices in _filter_choices(service)], None, test_filters)
    ui.queue(default_concurrency_limit=1)
    return ui


def _hit_rows(hits: list[Hit]) -> list[list]:
    """The 命中测试 table: one row per ranked passage, a leg that did not find it shown as —."""

    def leg(hit: Hit, name: str) -> list:
        found = name in hit.leg_ranks
        return [round(hit.leg_scores[name], 4) if found else "—", hit.leg_ranks[name] if found else "—"]

    return [
        [
            hit.rank,
            round(hit.score, 4),
            *leg(hit, "bm25"),
            *leg(hit, "dense"),
            hit.meta.region,
            hit.meta.year or "",
            hit.meta.title,
            hit.passage.section_path,
            hit.passage.text,
        ]
        for hit in hits
    ]


def _decision_markdown(answer: dict) -> str:
    """作答 or 拒答, the rule that decided and why (the library's ``Decision``)."""
    decision = answer["decision"] or {"rule": "", "detail": ""}
    verdict = "作答" if answer["answerable"] else "拒答"
    understood = (
        f"；理解为：{escape_markdown(answer['understood'])}" if answer["understood"] != answer["question"] else ""
    )
    rule = f"（{decision['rule']}）" if decision["rule"] else ""
    return f"**判定：{verdict}**{rule}：{escape_markdown(decision['detail'])}{understood}"


def _managed_choices(service: PolicyService) -> list[tuple[str, str]]:
    """Indexed documents by doc_id, then deleted ones (restorable) by file name."""
    indexed = [(f"{row['title']}（{row['file']}）", row["doc_id"]) for row in service.documents()]
    return indexed + [(f"已删除：{name}", name) for name in service.admin.deleted()]


def _version_choices(versions: list[dict]) -> list[tuple[str, str]]:
    reasons = {
        "replaced": "被新版本取代",
        "deleted": "删除前",
        "superseded by a restore": "恢复前",
        "discarded": "暂存后丢弃",
    }
    return [
        (
            f"{v['saved_at']} {reasons.get(v['reason'], v['reason'])}{'（与当前相同）' if v['current'] else ''}",
            v["version"],
        )
        for v in versions
    ]


def _staged_rows(service: PolicyService) -> list[list]:
    return [[row.get(column, "") for column in STAGED_COLUMNS] for row in service.staging.documents()]


def _staged_choices(service: PolicyService) -> list[tuple[str, str]]:
    return [(f"{row['title']}（{row['file']}）", row["doc_id"]) for row in service.staging.documents()]


def _audit_rows(service: PolicyService, limit: int = 200) -> list[list]:
    entries = service.audit.entries()[-limit:][::-1] if service.audit is not None else []
    return [[_audit_cell(entry.get(column)) for column in AUDIT_COLUMNS] for entry in entries]


def _audit_cell(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ("" if value is None else value)


def _admin_actor(request: gr.Request | None) -> str:
    """Who acts on the admin page, for the audit log: the name they logged in with."""
    user = getattr(request, "username", None) if request is not None else None
    return f"admin-page:{user}" if user else "admin-page"


def build_admin_disabled() -> gr.Blocks:
    """What ``/admin`` shows until an admin credential is configured: how to configure one, and nothing else."""
    with gr.Blocks(title="政策问答 · 管理", analytics_enabled=False) as ui:
        gr.Markdown(
            "## 管理功能未启用\n请先配置管理员凭据：`python -m assistant auth set-password`"
            "（或设置环境变量 POLICY_QA_ADMIN_TOKEN），然后重启。详见 README：权限与令牌。",
            elem_id="admin-disabled",
        )
    return ui


def _record_at(records: list, index: object) -> dict | None:
    """The answer record behind chat message ``index``."""
    position = index[0] if isinstance(index, (list, tuple)) else index
    return next((record for record in records if record["at"] == position), None)


def _concise_markdown(message: str, concise: str) -> str:
    """Operator mode's message: the 摘录 label, the note, then the concise lines."""
    lines = [f"*{escape_markdown(message)}*"] if message and not concise.startswith(message) else []
    return f"{mode_label(False)} " + "\n\n".join(lines + [escape_markdown(line) for line in concise.splitlines()])


def create_app(
    engine: Engine,
    data_dir: Path,
    access: AccessPolicy | None = None,
    allowed_hosts: list[str] | None = None,
    limits: RequestLimits | None = None,
    corpus_quota_bytes: int = CORPUS_QUOTA_BYTES,
    generation: GenerationSettings | None = None,
) -> object:
    """FastAPI with the REST routes first, then the admin page at ``/admin`` and the public page at ``/``.

    Both pages log in through Gradio's own auth: the admin page always (and it is only a notice until an
    admin credential exists), the public page only with ``require_token`` (an API token as the password).
    """
    access = access or AccessPolicy()
    service = PolicyService(
        engine, audit=AuditLog(data_dir / AUDIT_FILE), corpus_quota_bytes=corpus_quota_bytes, generation=generation
    )
    feedback = FeedbackStore(data_dir / "feedback.sqlite3")
    api = create_api(service, feedback, access, allowed_hosts, limits)

    def admin_login(user: str, password: str) -> bool:
        """The admin page's login; a failed one is audited (the password never is)."""
        if access.admin_login(user, password):
            return True
        service.audit.record(AuditEntry(f"admin-page:{user[:64]}", Action.LOGIN_FAILED, detail="admin page login"))
        return False

    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    page_js = f"() => {{ ({CITATIONS_JS})(); ({CHINESE_JS})(); }}"  # Gradio runs one function on load
    look = {"footer_links": ["api"], "css": CSS, "theme": theme, "js": page_js, "i18n": GRADIO_CHINESE}
    if access.admin_enabled:
        admin = build_admin_ui(service, feedback)
        gr.mount_gradio_app(api, admin, path="/admin", auth=admin_login, max_file_size=MAX_UPLOAD_BYTES, **look)
    else:
        admin = build_admin_disabled()
        gr.mount_gradio_app(api, admin, path="/admin", max_file_size=0, **look)
    public = build_ui(service, feedback, history.storage_secret(data_dir))
    public_auth = access.public_login if access.require_token else None
    app = gr.mount_gradio_app(api, public, path="/", auth=public_auth, max_file_size=0, **look)
    # Gradio copies any server path a client names in file data into its cache unless the app "has launched"
    # (then only files uploaded through it are accepted); a mounted app never launches, so say it has.
    admin.has_launched = public.has_launched = True
    app.add_middleware(ChineseLocale, paths=("/", "/admin/"))
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="政策问答: web UI and REST API")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--model", default="default")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="where feedback.sqlite3 is kept")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name or address clients use to reach this server (repeatable); loopback is always allowed",
    )
    parser.add_argument(
        "--require-token", action="store_true", help="public endpoints (ask, search, feedback) need an API token too"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="serve index/ as it is, writing nothing to index/ or corpus/ (uploads and admin changes are refused)",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=RequestLimits.rate_per_second,
        metavar="N",
        help="requests per second per client (token name, else address) to /api/ask and /api/search; 0: off",
    )
    parser.add_argument(
        "--rate-burst",
        type=int,
        default=RequestLimits.rate_burst,
        metavar="N",
        help="requests a client may send at once",
    )
    parser.add_argument(
        "--corpus-quota-mb",
        type=int,
        default=CORPUS_QUOTA_BYTES // MEGABYTE,
        metavar="N",
        help="the corpus's files together may not exceed this (uploads beyond it are refused)",
    )
    add_index_arguments(parser)
    args = parser.parse_args(argv)
    access = AccessPolicy.load(args.data, require_token=args.require_token)
    hosts = [*LOOPBACK_HOSTS, *args.allowed_host]
    if args.host not in ("0.0.0.0", "::", ""):
        hosts.append(args.host)
    try:
        engine = Engine.open(
            args.corpus, args.index, args.model, progress=True, index=index_settings(args), read_only=args.read_only
        )
    except IndexUnavailable as error:
        sys.exit(f"error: {error}")
    print(engine.report.summary(), flush=True)
    limits = RequestLimits(rate_per_second=args.rate_limit, rate_burst=args.rate_burst)
    generation = GenerationSettings.from_env()
    app = create_app(engine, args.data, access, hosts, limits, args.corpus_quota_mb * MEGABYTE, generation)
    admin = "on" if access.admin_enabled else "off (no admin credential: python -m assistant auth set-password)"
    if engine.read_only:
        admin += "; READ-ONLY: index/ and corpus/ are not written, uploads are refused"
    print(f"generation: {f'{generation.model} at {generation.base_url}' if generation else 'off (extractive answers)'}")
    print(f"admin: {admin}; accepted host names: {', '.join(hosts)} (add with --allowed-host)", flush=True)
    print(f"政策问答: http://{args.host}:{args.port}  (API docs: /docs)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
