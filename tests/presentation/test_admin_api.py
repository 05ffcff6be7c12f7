"""Document management and the audit log over REST: admin token only, every action audited with its token."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.corpus import content_hash
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import HOTLINE_TOKEN, api_client
from tests.presentation.conftest import EXCERPT

GAOXIAN = "高县_2023年政务公开重点工作任务清单"
ADMIN_ROUTES = [
    ("delete", f"/api/documents/{GAOXIAN}", {}),
    ("post", f"/api/documents/{GAOXIAN}/replace", {"files": {"file": ("x.txt", b"text")}}),
    ("get", f"/api/documents/{GAOXIAN}/versions", {}),
    ("post", f"/api/documents/{GAOXIAN}/restore?version=20240101T000000000000Z-0123abcd", {}),
    ("patch", f"/api/documents/{GAOXIAN}/meta", {"json": {"title": "x"}}),
    ("get", "/api/documents/deleted", {}),
    ("get", "/api/audit", {}),
    ("get", "/api/feedback/export", {}),
    ("post", "/api/documents", {"files": {"files": ("x.txt", b"text")}}),
    ("post", "/api/documents?stage=true", {"files": {"files": ("x.txt", b"text")}}),
    ("get", "/api/staged", {}),
    ("post", f"/api/staged/{GAOXIAN}/publish", {}),
    ("delete", f"/api/staged/{GAOXIAN}", {}),
    ("post", "/api/search", {"json": {"question": "政务新媒体由谁负责", "staged": True}}),
]


def test_only_the_admin_token_may_manage_and_refusals_are_audited(
    managed: PolicyService, feedback: FeedbackStore
) -> None:
    corpus = managed.engine.corpus_dir
    before = sorted((path.name, path.stat().st_mtime_ns) for path in corpus.iterdir())
    for token, status in ((HOTLINE_TOKEN, 403), (None, 401), ("not-a-token", 401)):
        client = api_client(managed, feedback, token=token)
        for method, url, extra in ADMIN_ROUTES:
            response = getattr(client, method)(url, **extra) if method != "delete" else client.delete(url)
            assert response.status_code == status, (token, method, url, response.text)
    assert sorted((path.name, path.stat().st_mtime_ns) for path in corpus.iterdir()) == before
    refused = managed.audit.entries()
    assert len(refused) == 3 * len(ADMIN_ROUTES) and {entry["action"] for entry in refused} == {"login-failed"}
    assert {entry["actor"] for entry in refused} == {"token:hotline", "anonymous"}
    assert "PATCH /api/documents/" in refused[4]["detail"] and "not-a-token" not in json.dumps(refused)


def test_metadata_patch_and_the_audit_export(admin: TestClient, managed: PolicyService) -> None:
    response = admin.patch(f"/api/documents/{GAOXIAN}/meta", json={"region": "四川省宜宾市高县（核对）", "year": 2024})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["before"]["region"] == "四川省宜宾市高县" and body["after"]["region"] == "四川省宜宾市高县（核对）"
    listed = {row["doc_id"]: row for row in admin.get("/api/documents").json()["documents"]}
    assert listed[GAOXIAN]["region"] == "四川省宜宾市高县（核对）" and listed[GAOXIAN]["year"] == 2024
    answer = admin.post("/api/ask", json={"question": "政务新媒体由谁负责", "year": 2024}).json()
    assert {citation["region"] for citation in answer["citations"]} == {"四川省宜宾市高县（核对）"}

    assert admin.patch(f"/api/documents/{GAOXIAN}/meta", json={"year": 3000}).status_code == 422
    assert admin.patch(f"/api/documents/{GAOXIAN}/meta", json={"author": "x"}).status_code == 422
    assert admin.patch(f"/api/documents/{GAOXIAN}/meta", json={"date": "2024-02-30"}).status_code == 400
    assert admin.patch(f"/api/documents/{GAOXIAN}/meta", json={}).status_code == 400
    missing = admin.patch("/api/documents/no-such-doc/meta", json={"title": "x"})
    assert missing.status_code == 404 and "没有这个文件" in missing.json()["detail"]
    assert admin.get("/api/feedback/export?format=csv").status_code == 200

    lines = [json.loads(line) for line in admin.get("/api/audit").text.splitlines()]
    assert [(entry["action"], entry["actor"]) for entry in lines] == [
        ("meta", "token:admin"),
        ("feedback-export", "token:admin"),
    ]
    assert lines[0]["doc_id"] == GAOXIAN and lines[0]["after"]["year"] == 2024 and len(lines[0]["sha256"]) == 64
    exported = admin.get("/api/audit?format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [row["action"] for row in rows] == ["meta", "feedback-export"]
    assert json.loads(rows[0]["after"])["region"] == "四川省宜宾市高县（核对）"


def test_upload_replace_versions_delete_restore(admin: TestClient, managed: PolicyService, excerpt_file: Path) -> None:
    doc_id = Path(EXCERPT).stem
    uploaded = admin.post("/api/documents", files={"files": (EXCERPT, excerpt_file.read_bytes())})
    assert uploaded.json()["added"] == [EXCERPT]
    newer = excerpt_file.read_bytes() + "\n五、附则\n本方案自印发之日起施行。\n".encode()
    replaced = admin.post(f"/api/documents/{doc_id}/replace", files={"file": ("方案.txt", newer)})
    assert replaced.status_code == 200 and replaced.json()["added"] == [EXCERPT]
    wrong = admin.post(f"/api/documents/{doc_id}/replace", files={"file": ("方案.docx", newer)})
    assert wrong.status_code == 400 and "同类型" in wrong.json()["detail"]
    versions = admin.get(f"/api/documents/{doc_id}/versions").json()
    assert versions["file"] == EXCERPT and [v["reason"] for v in versions["versions"]] == ["replaced"]

    removed = admin.delete(f"/api/documents/{doc_id}")
    assert removed.status_code == 200 and removed.json()["after"] is None
    assert doc_id not in {row["doc_id"] for row in admin.get("/api/documents").json()["documents"]}
    assert admin.get("/api/documents/deleted").json() == {"files": [EXCERPT]}
    assert admin.delete(f"/api/documents/{doc_id}").status_code == 404
    bad = admin.post(f"/api/documents/{doc_id}/restore", params={"version": "../../auth.json"})
    assert bad.status_code == 404

    oldest = admin.get(f"/api/documents/{doc_id}/versions").json()["versions"][-1]
    assert oldest["reason"] == "replaced" and oldest["sha256"] == content_hash(excerpt_file)
    restored = admin.post(f"/api/documents/{doc_id}/restore", params={"version": oldest["version"]})
    assert restored.status_code == 200 and restored.json()["doc_id"] == doc_id
    assert (managed.engine.corpus_dir / EXCERPT).read_bytes() == excerpt_file.read_bytes()
    actions = [(entry["action"], entry["actor"]) for entry in managed.audit.entries()]
    assert actions == [(action, "token:admin") for action in ("upload", "replace", "delete", "restore")]
