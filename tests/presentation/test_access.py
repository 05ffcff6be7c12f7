"""Roles and request checks of the REST API: admin off until configured, scoped tokens, --require-token,
Host and Origin allow-lists, security headers; and the credential commands that configure them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.engine import Engine
from assistant.presentation.access import AccessPolicy, Scope, hash_password, verify_password
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import ACCESS, ADMIN_TOKEN, HOTLINE_TOKEN, api_client
from tests.paths import ROOT

QUESTION = {"question": "政务新媒体由谁负责"}
FEEDBACK = {"question": "政务新媒体由谁负责", "answer": "县政府办公室", "rating": "up"}


@pytest.fixture
def service(engine: Engine) -> PolicyService:
    return PolicyService(engine)


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3")


def _upload(client: object) -> object:
    return client.post("/api/documents", files=[("files", ("x.exe", b"not a document"))])


def test_admin_is_off_until_a_credential_is_configured(service: PolicyService, feedback: FeedbackStore) -> None:
    client = api_client(service, feedback, token=None, access=AccessPolicy())
    assert client.post("/api/ask", json=QUESTION).status_code == 200
    for response in (_upload(client), client.get("/api/feedback/export")):
        assert response.status_code == 403 and "管理功能未启用" in response.json()["detail"]
    anyone = api_client(service, feedback, token=ADMIN_TOKEN, access=AccessPolicy())
    assert _upload(anyone).status_code == 403  # a token means nothing while none is configured


def test_tokens_carry_scopes(service: PolicyService, feedback: FeedbackStore) -> None:
    anonymous = api_client(service, feedback, token=None)
    assert anonymous.post("/api/ask", json=QUESTION).status_code == 200  # public by default
    assert _upload(anonymous).status_code == 401
    assert anonymous.get("/api/feedback/export").status_code == 401
    assert _upload(api_client(service, feedback, token="wrong")).status_code == 401
    hotline = api_client(service, feedback, token=HOTLINE_TOKEN)
    assert hotline.post("/api/search", json=QUESTION).status_code == 200
    for response in (_upload(hotline), hotline.get("/api/feedback/export")):
        assert response.status_code == 403 and "admin" in response.json()["detail"]
    admin = api_client(service, feedback, token=ADMIN_TOKEN)
    result = _upload(admin)
    assert result.status_code == 200 and "x.exe" in result.json()["refused"]
    assert admin.get("/api/feedback/export").status_code == 200


def test_require_token_closes_the_public_endpoints(service: PolicyService, feedback: FeedbackStore) -> None:
    closed = AccessPolicy(tokens=ACCESS.tokens, require_token=True)
    anonymous = api_client(service, feedback, token=None, access=closed)
    for response in (
        anonymous.post("/api/ask", json=QUESTION),
        anonymous.post("/api/search", json=QUESTION),
        anonymous.post("/api/feedback", json=FEEDBACK),
        anonymous.get("/api/documents"),
    ):
        assert response.status_code == 401, response.text
    hotline = api_client(service, feedback, token=HOTLINE_TOKEN, access=closed)
    assert hotline.post("/api/ask", json=QUESTION).status_code == 200
    assert hotline.post("/api/feedback", json=FEEDBACK).status_code == 403  # ask and search only
    assert api_client(service, feedback, access=closed).post("/api/feedback", json=FEEDBACK).status_code == 200


def test_host_and_origin_allow_lists_and_security_headers(service: PolicyService, feedback: FeedbackStore) -> None:
    client = api_client(service, feedback)
    assert client.get("/api/documents", headers={"Host": "evil.example"}).status_code == 400
    foreign = client.post("/api/feedback", json=FEEDBACK, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "跨站" in foreign.json()["detail"]
    cross_site_upload = client.post(
        "/api/documents", files=[("files", ("a.txt", "内容".encode()))], headers={"Origin": "https://evil.example"}
    )
    assert cross_site_upload.status_code == 403
    assert client.post("/api/feedback", json=FEEDBACK, headers={"Origin": "http://127.0.0.1:7860"}).status_code == 200
    for path in ("/docs", "/api/documents", "/openapi.json"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_passwords_are_hashed_and_scopes_are_checked() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("pbkdf2_sha256$") and "correct" not in stored
    assert verify_password("correct horse battery", stored) and not verify_password("wrong", stored)
    assert not verify_password("x", "garbage")
    with pytest.raises(ValueError):
        Scope("root")
    policy = AccessPolicy(admin_password_hash=stored, tokens=ACCESS.tokens)
    assert policy.admin_login("admin", "correct horse battery") and not policy.admin_login(
        "other", "correct horse battery"
    )
    assert policy.admin_login("anyone", ADMIN_TOKEN) and not policy.admin_login("anyone", HOTLINE_TOKEN)


def test_credential_commands_store_only_hashes(tmp_path: Path) -> None:
    def auth(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "assistant", "auth", "--data", str(tmp_path), *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)

    assert auth("set-password", stdin="short\n").returncode == 2
    assert auth("set-password", stdin="a long admin password\n").returncode == 0
    created = auth("add-token", "hotline", "--scopes", "ask,search")
    token = created.stdout.strip()
    assert created.returncode == 0 and len(token) >= 40
    assert auth("add-token", "bad", "--scopes", "root").returncode == 2
    stored = (tmp_path / "auth.json").read_text(encoding="utf-8")
    assert token not in stored and "a long admin password" not in stored
    assert os.stat(tmp_path / "auth.json").st_mode & 0o077 == 0
    policy = AccessPolicy.load(tmp_path)
    assert policy.admin_login("admin", "a long admin password")
    assert policy.token_for(token).scopes == {Scope.ASK, Scope.SEARCH}
    assert "hotline: ask, search" in auth("list").stdout
    assert auth("revoke", "hotline").returncode == 0 and AccessPolicy.load(tmp_path).token_for(token) is None
    assert json.loads(stored)["admin_user"] == "admin"
