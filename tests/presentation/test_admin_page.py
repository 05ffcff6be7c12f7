"""The admin page's events, called as Gradio calls them: each action updates the lists it shows, and is audited."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
from gradio.utils import get_upload_folder

import app
from assistant.documents import META_FIELDS
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.presentation.conftest import EXCERPT


@dataclass
class Request:
    """What the handlers read of ``gr.Request``: the name the administrator logged in with."""

    username: str = "管理员甲"


def _events(ui: gr.Blocks) -> dict:
    return {function.name: function.fn for function in ui.fns.values()}


def _choices(update: dict) -> dict[str, str]:
    return {value: label for label, value in update["choices"]}


@pytest.fixture
def events(managed: PolicyService, tmp_path: Path) -> dict:
    return _events(app.build_admin_ui(managed, FeedbackStore(tmp_path / "feedback.sqlite3")))


def test_upload_edit_delete_restore_refresh_the_lists(
    events: dict, managed: PolicyService, excerpt_file: Path, tmp_path: Path
) -> None:
    folder = Path(get_upload_folder()) / tmp_path.name  # only files in Gradio's upload folder are read
    folder.mkdir(parents=True, exist_ok=True)
    received = shutil.copy(excerpt_file, folder / EXCERPT)
    doc_id = Path(EXCERPT).stem
    report, table, chooser, audit, *_ = events["upload"]([str(received)], False, False, Request())
    assert f"已加入索引：{EXCERPT}" in report and doc_id in [row[0] for row in table]
    assert doc_id in _choices(chooser) and audit[0][1:3] == ["admin-page:管理员甲", "upload"]

    *fields, versions = events["select"](doc_id)
    shown = dict(zip(META_FIELDS, fields, strict=True))
    assert shown["issuer"] == "国务院办公厅" and shown["year"] == "2018" and versions["choices"] == []
    assert shown["region"] == "全国"  # a national organ's document, read from its own header
    edited = {**shown, "region": "北京市", "doc_number": ""}  # an emptied field: back to what the file says
    message, table, chooser, audit, _, _, *fields = events["save_meta"](Request(), doc_id, *edited.values())
    assert message.endswith("region") and audit[0][2] == "meta"
    row = next(row for row in table if row[0] == doc_id)
    assert row[app.DOCUMENT_COLUMNS.index("region")] == "北京市"
    assert (
        row[app.DOCUMENT_COLUMNS.index("doc_number")] == shown["doc_number"] == fields[META_FIELDS.index("doc_number")]
    )  # shown
    assert events["save_meta"](Request(), doc_id, *fields)[0] == "元数据没有改动。"
    assert events["save_meta"](Request(), doc_id, *edited.values())[0].endswith("的元数据没有变化")
    assert len(managed.audit.entries()) == 2  # upload, meta: a change that changes nothing is not an action

    message, table, chooser, audit, *_ = events["remove"](doc_id, Request())
    assert message.startswith("已删除") and doc_id not in [row[0] for row in table]
    assert _choices(chooser)[EXCERPT] == f"已删除：{EXCERPT}" and chooser["value"] is None
    *_, versions = events["select"](EXCERPT)
    ((label, version),) = versions["choices"]
    assert "删除前" in label
    message, table, chooser, audit, *_ = events["restore"](EXCERPT, version, Request())
    assert message.startswith("已恢复") and doc_id in [row[0] for row in table] and EXCERPT not in _choices(chooser)
    assert [row[2] for row in audit] == ["restore", "delete", "meta", "upload"]  # newest first
    assert events["remove"](None, Request())[0] == "请先选择文件。"
    assert events["restore"](doc_id, "not-a-version", Request())[0].startswith("未完成")


def test_stage_search_publish_and_discard_on_the_admin_page(
    events: dict, managed: PolicyService, excerpt_file: Path, tmp_path: Path
) -> None:
    folder = Path(get_upload_folder()) / tmp_path.name
    folder.mkdir(parents=True, exist_ok=True)
    received = str(shutil.copy(excerpt_file, folder / EXCERPT))
    doc_id = Path(EXCERPT).stem
    assert "请只勾选其中一项" in events["upload"]([received], True, True, Request())[0]
    report, table, _, audit, staged, staged_chooser = events["upload"]([received], False, True, Request())
    assert f"已暂存待审核（仅管理员可检索）：{EXCERPT}" in report and doc_id not in [row[0] for row in table]
    assert [row[0] for row in staged] == [doc_id] and doc_id in _choices(staged_chooser)
    assert audit[0][1:3] == ["admin-page:管理员甲", "stage"]
    found = events["search_staged"]("政府网站集约化试点")
    assert "【暂存】" in found and 'class="citation"' in found and "/documents/" not in found
    others = events["search_staged"]("高县政务新媒体由谁负责")  # public documents are never searched here
    assert others.count('class="citation"') == others.count("【暂存】") > 0 and "高县" not in others

    message, table, _, audit, staged, _ = events["publish"](doc_id, False, Request())
    assert message == f"已发布：{EXCERPT}" and doc_id in [row[0] for row in table] and staged == []
    assert audit[0][2] == "publish" and "没有找到" in events["search_staged"]("政府网站集约化试点")

    other = folder / "其他_工作要点.txt"
    other.write_text("测试县档案工作要点\n一、档案数字化由县档案馆负责。\n", encoding="utf-8")
    events["upload"]([str(other)], False, True, Request())
    message, table, _, audit, staged, _ = events["discard"]("其他_工作要点", Request())
    assert message.startswith("已丢弃暂存的文件：其他_工作要点.txt") and staged == [] and audit[0][2] == "discard"
    assert "其他_工作要点" not in [row[0] for row in table]
    assert events["publish"](None, False, Request())[0] == "请先选择暂存的文件。"
    assert events["discard"]("no-such-document", Request())[0].startswith("未完成：没有暂存的文件")
