"""Limits that hold against streaming and oversized fields (issue 11): a chunked body without Content-Length is
cut off at the limit, JSON bodies and each field are bounded, lone surrogates are refused by name, uploads are
bounded in number and by a corpus quota, and /api/ask and /api/search are rate-limited per client."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.corpus import corpus_files
from assistant.engine import Engine
from assistant.presentation.api import create_api
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.limits import MULTIPART_SLACK, RateLimiter, RequestLimits
from assistant.presentation.service import PolicyService
from assistant.presentation.upload import MAX_FILES_PER_UPLOAD
from assistant.retrieval.question import MAX_QUESTION_CHARS
from tests.clients import ACCESS, ADMIN_TOKEN, HOTLINE_TOKEN, api_client
from tests.paths import CORPUS

LIMIT = 64 * 1024
JSON = {"content-type": "application/json"}
DOCUMENT = "测试县人民政府办公室关于印发《2024年测试县档案工作要点》的通知\n\n一、档案数字化由县档案馆负责。\n"


@pytest.fixture
def writable(engine: Engine, tmp_path: Path) -> tuple[PolicyService, Path]:
    """A service on its own copy of corpus and index (uploads change them), with a small upload limit."""
    shutil.copytree(CORPUS, tmp_path / "corpus")
    shutil.copytree(engine.index_dir, tmp_path / "index")
    mine = Engine.open(tmp_path / "corpus", tmp_path / "index", embedder=engine.embedder, progress=False)
    return PolicyService(mine, max_upload_bytes=LIMIT), tmp_path / "corpus"


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


def _chunks(size: int, total: int) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_a_chunked_upload_is_cut_off_at_the_limit_without_being_spooled(
    writable: tuple[PolicyService, Path], feedback: FeedbackStore
) -> None:
    service, corpus = writable
    before = sorted(p.name for p in corpus.iterdir())
    client = api_client(service, feedback)
    boundary = "limitboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:  # no Content-Length: sent with Transfer-Encoding: chunked
        yield head
        yield from _chunks(16 * 1024, LIMIT * 8)

    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    response = client.post("/api/documents", content=body(), headers=headers)
    assert response.status_code == 413 and "上传过大" in response.json()["detail"], response.text
    assert sorted(p.name for p in corpus.iterdir()) == before

    # The same body fed to the ASGI app chunk by chunk: reading stops at the limit, the rest is never taken.
    app = create_api(service, feedback, ACCESS)
    taken = 0
    sent: list[dict] = []
    stream = iter([head, *_chunks(16 * 1024, LIMIT * 64)])

    async def receive() -> dict:
        nonlocal taken
        chunk = next(stream, b"")
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/documents",
        "raw_path": b"/api/documents",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {ADMIN_TOKEN}".encode()),
            (b"content-type", headers["content-type"].encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert taken <= LIMIT + MULTIPART_SLACK + 16 * 1024, f"read {taken:,} bytes of a {LIMIT * 64:,}-byte body"
    assert "上传过大" in json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["detail"]


def test_json_bodies_are_bounded_while_they_stream(engine: Engine, feedback: FeedbackStore) -> None:
    client = api_client(PolicyService(engine), feedback)
    big = b'{"question": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    for route in ("/api/ask", "/api/search", "/api/feedback"):
        declared = client.post(route, content=big, headers=JSON)
        parts = iter([big[i : i + 65536] for i in range(0, len(big), 65536)])
        streamed = client.post(route, content=parts, headers=JSON)
        for response in (declared, streamed):
            assert response.status_code == 413 and "请求过大" in response.json()["detail"], (route, response.text)


def test_each_field_is_bounded(engine: Engine, feedback: FeedbackStore) -> None:
    client = api_client(PolicyService(engine), feedback)
    too_long = "政务" * MAX_QUESTION_CHARS
    response = client.post("/api/ask", json={"question": "政务新媒体由谁负责", "history": ["高县", too_long]})
    assert response.status_code == 422 and "history.1" in response.json()["detail"]
    assert too_long not in response.text  # the pasted text is not echoed back
    rating = {"question": "政务新媒体由谁负责", "answer": "由县政府办公室负责。", "rating": "up"}
    cases = {
        "citations": {"citations": [{"text": "政" * 30_000}]},  # one string of 90 KB
        "citations.": {"citations": [{"n": n, "text": "政务"} for n in range(51)]},
        "comment": {"comment": "意见" * 2000},
        "answer": {"answer": "回答" * 20_000},
    }
    for field, extra in cases.items():
        response = client.post("/api/feedback", json={**rating, **extra})
        assert response.status_code == 422 and field.rstrip(".") in response.json()["detail"], field
    assert client.post("/api/feedback", json={**rating, "citations": [{"text": "政务" * 1000}]}).status_code == 200
    assert len(feedback.records()) == 1


def test_lone_surrogates_are_refused_by_name_never_a_500(engine: Engine, feedback: FeedbackStore) -> None:
    client = api_client(PolicyService(engine), feedback)
    answer = client.post("/api/ask", json={"question": "政务新媒体由谁负责"}).json()
    rating = {"question": answer["question"], "answer": answer["answer"], "rating": "down"}
    bodies = [
        {**rating, "citations": [{**answer["citations"][0], "text": "政务\ud800新媒体"}]},
        {**rating, "citations": [{"\udc00": 1}]},
        {**rating, "citations": [{"fields": {"责任单位": ["县政府办公室", "\udfff"]}}]},
        {**rating, "comment": "不对\ud83d"},
        {**rating, "question": "\ud800"},
    ]
    for body in bodies:  # ensure_ascii: each surrogate is sent as a \\udXXX escape, as a client would
        response = client.post("/api/feedback", content=json.dumps(body), headers=JSON)
        assert response.status_code == 422, response.text
        assert "请求无效" in response.json()["detail"]
    refused = client.post("/api/feedback", content=json.dumps(bodies[0]), headers=JSON)
    assert "citations" in refused.json()["detail"] and "代理项" in refused.json()["detail"]
    assert feedback.records() == [] and client.get("/api/feedback/export").status_code == 200


def test_files_per_request_are_bounded(writable: tuple[PolicyService, Path], feedback: FeedbackStore) -> None:
    service, corpus = writable
    before = sorted(p.name for p in corpus.iterdir())
    client = api_client(service, feedback)
    files = [("files", (f"empty{n}.txt", b"")) for n in range(MAX_FILES_PER_UPLOAD + 1)]
    response = client.post("/api/documents", files=files)
    assert response.status_code == 413 and f"最多上传 {MAX_FILES_PER_UPLOAD} 个文件" in response.json()["detail"]
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_uploads_beyond_the_corpus_quota_are_refused(
    writable: tuple[PolicyService, Path], feedback: FeedbackStore
) -> None:
    service, corpus = writable
    used = sum(path.stat().st_size for path in corpus_files(corpus))
    first = DOCUMENT.encode()
    service.corpus_quota_bytes = used + len(first) + 100
    client = api_client(service, feedback)
    result = client.post("/api/documents", files=[("files", ("a.txt", first))]).json()
    assert result["added"] == ["a.txt"], result
    second = DOCUMENT.replace("档案", "文书").encode()
    result = client.post("/api/documents", files=[("files", ("b.txt", second))]).json()
    assert result["added"] == [] and "超出语料空间配额" in result["refused"]["b.txt"], result
    assert not (corpus / "b.txt").exists()
    # A replacement only needs room for the difference.
    result = client.post("/api/documents?replace=true", files=[("files", ("a.txt", second))]).json()
    assert result["added"] == ["a.txt"], result


def test_ask_and_search_are_rate_limited_per_client(engine: Engine, feedback: FeedbackStore) -> None:
    service = PolicyService(engine)
    limits = RequestLimits(rate_per_second=0.1, rate_burst=3)
    admin = api_client(service, feedback, ADMIN_TOKEN, limits=limits)
    question = {"question": "政务新媒体由谁负责"}
    statuses = [admin.post(route, json=question).status_code for route in ("/api/search",) * 3 + ("/api/ask",)]
    assert statuses == [200, 200, 200, 429]
    refused = admin.post("/api/search", json=question)
    assert refused.status_code == 429 and "请求过于频繁" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    # Another token is another client; feedback and the document list are not limited.
    hotline = TestClient(admin.app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {HOTLINE_TOKEN}"})
    assert hotline.post("/api/search", json=question).status_code == 200
    assert admin.get("/api/documents").status_code == 200


def test_the_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=5, burst=20, clock=lambda: now[0])
    assert [limiter.wait("a") for _ in range(20)] == [0.0] * 20
    assert limiter.wait("a") == pytest.approx(0.2)
    assert limiter.wait("b") == 0.0
    now[0] += 1.0  # five more
    assert [limiter.wait("a") for _ in range(6)] == [0.0] * 5 + [pytest.approx(0.2)]
    assert RateLimiter(rate=0, burst=1).wait("a") == 0.0  # off
