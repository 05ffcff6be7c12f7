"""REST endpoints for hotline systems: ask, search, feedback, documents; JSON in and out, in OpenAPI.

The routes only translate HTTP to ``PolicyService`` calls: a question that cannot be searched is a 400
with the Chinese reason, malformed input a 422 from validation, and nothing ever answers with a traceback.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from assistant.presentation.access import PUBLIC_SCOPES as PUBLIC
from assistant.presentation.access import AccessPolicy, ApiToken, Scope, host_allowed
from assistant.presentation.audit import Action, AuditEntry
from assistant.presentation.feedback import MAX_COMMENT_CHARS, FeedbackStore
from assistant.presentation.limits import (
    MAX_ANSWER_CHARS,
    MAX_CITATIONS,
    MAX_CITATIONS_BYTES,
    MAX_HISTORY,
    MEGABYTE,
    MULTIPART_SLACK,
    RateLimiter,
    RequestLimits,
    retry_after,
)
from assistant.presentation.management import MAX_FIELD_CHARS, YEARS, ManagementError, NotFound
from assistant.presentation.render import document_page
from assistant.presentation.service import Answered, PolicyService, ReadOnlyError
from assistant.presentation.upload import UploadRefused, check_file_count
from assistant.retrieval.question import MAX_QUESTION_CHARS, QuestionError, normalize_question

log = logging.getLogger(__name__)
Question = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="用户的问题（最多 500 字）")


class Filters(BaseModel):
    region: str | None = Field(None, description="只查这个地区的文件，如 高县 或 四川省宜宾市高县")
    year: int | None = Field(None, ge=1949, le=2100, description="只查这一年的文件")
    doc_ids: list[str] | None = Field(None, max_length=100, description="只查这些文件（GET /api/documents 的 doc_id）")


class AskRequest(Filters):
    question: str = Question
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_HISTORY,
        description="同一会话中之前的问题（取上次回答的 understood），用于理解“那高县呢？”这类追问",
    )


class SearchRequest(Filters):
    question: str = Question
    k: int = Field(10, ge=1, le=50, description="返回的段落数")
    staged: bool = Field(False, description="只检索暂存待审核的文件（需要管理令牌）；每条结果带 staged: true")


class FeedbackRequest(BaseModel):
    question: str = Question
    answer: str = Field(..., max_length=MAX_ANSWER_CHARS, description="被评价的回答文本")
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=MAX_COMMENT_CHARS)
    understood: str = Field("", max_length=MAX_QUESTION_CHARS * 2)
    citations: list[dict[str, JsonValue]] = Field(
        default_factory=list,
        max_length=MAX_CITATIONS,
        description=f"回答的 citations（原样，合计不超过 {MAX_CITATIONS_BYTES // 1024} KB）",
    )

    @field_validator("citations")
    @classmethod
    def _storable(cls, citations: list[dict[str, JsonValue]]) -> list[dict[str, JsonValue]]:
        """Stored as one JSON text: bounded in size, and valid UTF-8 (a lone surrogate cannot be stored)."""
        try:
            size = len(json.dumps(citations, ensure_ascii=False).encode("utf-8"))
        except UnicodeEncodeError as error:
            raise ValueError("含有无效字符（孤立的 UTF-16 代理项），无法保存") from error
        if size > MAX_CITATIONS_BYTES:
            raise ValueError(f"过大：{size:,} 字节（上限 {MAX_CITATIONS_BYTES:,} 字节）")
        return citations


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    region: str
    year: int | None
    section: str
    text: str
    start: int = Field(description="原文（提取后的文件文本）中的起始字符位置")
    end: int
    evidence: str = Field(description="段落中支持回答的原句")
    evidence_start: int = Field(description="evidence 在 text 中的位置，-1 表示未定位")
    evidence_end: int
    kind: str
    issuer: str = ""
    doc_number: str = ""


class Line(BaseModel):
    label: str = Field(description="哪个地区、哪一年的文件，如 达州高新区（2023）")
    text: str
    citations: list[int]


class AskResponse(BaseModel):
    question: str
    understood: str = Field(description="实际检索的问题（追问会被补全）")
    answer: str = Field(description="完整回答，[n] 指向 citations")
    answerable: bool
    intent: str
    message: str = Field("", description="说明或拒答原因，如 （理解为：…）")
    lines: list[Line]
    citations: list[Citation]
    nearest_topics: list[str]
    concise: list[str] = Field(description="接线员简洁模式：每个地区一行（地区、单位、时限）")
    generated: bool = Field(False, description="回答由配置的语言模型根据 citations 中的段落生成")
    mode: Literal["generated", "extractive"] = Field(
        "extractive", description="generated：生成（已配置 POLICY_QA_LLM_BASE_URL）；extractive：原文摘录"
    )
    generated_text: str = Field("", description="生成的回答（[n] 已核实，指向 citations）；摘录时为空")
    fallback: str = Field("", description="已配置生成但改用摘录时的原因（超时、服务出错、引用无法核实…）")
    decision: dict[str, Any] | None = Field(
        None, description="作答或拒答的依据：rule（answered、low_coverage、no_support…）、detail、coverage、threshold"
    )


class SearchResponse(BaseModel):
    hits: list[dict[str, Any]]


class FeedbackResponse(BaseModel):
    id: int


class DocumentsResponse(BaseModel):
    documents: list[dict[str, Any]]
    failed: dict[str, str] = Field(description="语料中无法读取的文件及原因")


class UploadResponse(BaseModel):
    added: list[str] = Field(description="已加入索引的文件（安全化后的文件名）")
    refused: dict[str, str] = Field(description="未加入的文件及原因：类型、大小、重名、内容重复、无法读取")
    seconds: float


MetaText = Field(None, max_length=MAX_FIELD_CHARS)


class MetaRequest(BaseModel):
    """The fields to correct; an empty string (or null) goes back to what the document itself says."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = MetaText
    issuer: str | None = MetaText
    region: str | None = Field(None, max_length=MAX_FIELD_CHARS, description="完整地区路径，如 四川省宜宾市高县")
    year: int | None = Field(None, ge=YEARS.start, le=YEARS.stop - 1)
    date: str | None = Field(None, max_length=10, description="成文日期 YYYY-MM-DD")
    doc_number: str | None = MetaText
    published: str | None = Field(None, max_length=10, description="发布日期 YYYY-MM-DD")
    effective: str | None = Field(None, max_length=10, description="施行日期 YYYY-MM-DD")
    expires: str | None = Field(None, max_length=10, description="有效期至 YYYY-MM-DD")
    genre: str | None = Field(None, max_length=20, description="文种：work_plan benefit regulation notice report qa")


class ActionResponse(BaseModel):
    action: str
    doc_id: str
    file: str
    message: str
    before: dict[str, Any] | None = Field(description="操作前的元数据（新文件为 null）")
    after: dict[str, Any] | None = Field(description="操作后的元数据（删除后为 null）")
    version: str = Field("", description="删除时保存的版本，或恢复的版本")


class VersionsResponse(BaseModel):
    file: str
    versions: list[dict[str, Any]] = Field(description="保存的旧版本，最新的在前；current 表示与当前文件相同")


class StagedResponse(BaseModel):
    documents: list[dict[str, Any]] = Field(
        description="暂存待审核的文件：与 GET /api/documents 相同的字段，另有 staged_at（UTC）与 sha256"
    )


class DeletedResponse(BaseModel):
    files: list[str] = Field(description="已删除、可从保存的版本恢复的文件")


def _size(count: int) -> str:
    return f"{count / MEGABYTE:.0f} MB" if count >= MEGABYTE else f"{count / 1024:.0f} KB"


def _question(text: str) -> str:
    try:
        return normalize_question(text)
    except QuestionError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error


# Sent with every response: no framing (clickjacking of the admin page), no type sniffing, no referrer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "frame-ancestors 'none'; object-src 'none'; base-uri 'self'",
}
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
_BEARER = HTTPBearer(auto_error=False, description="API token (python -m assistant auth add-token)")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]


def _is_upload(path: str) -> bool:
    """The routes that take files: a new upload, or a new version of a document."""
    return path == "/api/documents" or (path.startswith("/api/documents/") and path.endswith("/replace"))


def create_api(
    service: PolicyService,
    feedback: FeedbackStore,
    access: AccessPolicy | None = None,
    allowed_hosts: list[str] | None = None,
    limits: RequestLimits | None = None,
) -> FastAPI:
    """A FastAPI app with the REST routes; the Gradio UI is mounted on it afterwards at ``/``.

    ``access``: the credentials (none: admin routes are off, public ones open). ``allowed_hosts``: the names
    this server answers to (Host header) and accepts state-changing requests from (Origin header).
    ``limits``: request sizes and the per-client rate of ask and search (default: ``RequestLimits()``).
    """
    access = access or AccessPolicy()
    hosts = allowed_hosts or LOOPBACK_HOSTS
    limits = limits or RequestLimits()
    upload_bytes = service.max_upload_bytes + MULTIPART_SLACK
    rate = RateLimiter(limits.rate_per_second, limits.rate_burst)

    def body_limit(path: str) -> int:
        """The most a request to ``path`` may send: an upload, a JSON body, or (the pages) an upload again."""
        if _is_upload(path) or not path.startswith("/api/"):
            return upload_bytes
        return limits.json_body_bytes

    def too_large(path: str) -> JSONResponse:
        if _is_upload(path):
            detail = f"上传过大：一次最多 {_size(service.max_upload_bytes)}"
        else:
            detail = f"请求过大：最多 {_size(body_limit(path))}"
        return JSONResponse({"detail": detail}, status_code=413)

    def throttle(request: Request, credentials: Bearer) -> None:
        """A dependency: ``limits.rate_per_second`` per client (its token's name, else its address), or 429."""
        token = access.token_for(credentials.credentials) if credentials else None
        client = f"token:{token.name}" if token else f"address:{request.client.host if request.client else ''}"
        if (seconds := rate.wait(client)) > 0:
            raise HTTPException(
                429, f"请求过于频繁：请 {retry_after(seconds)} 秒后再试", {"Retry-After": retry_after(seconds)}
            )

    def permit(scope: Scope, request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiToken | None:
        """The request's token if it has ``scope`` (public scopes: only with --require-token), else 401 or 403.

        None on an open public endpoint; a refused admin request is audited.
        """
        if scope in PUBLIC and not access.require_token:
            return None
        if scope is Scope.ADMIN and not access.admin_enabled:
            raise HTTPException(403, "管理功能未启用：请先配置管理员凭据（见 README：权限与令牌）")
        token = access.token_for(credentials.credentials) if credentials else None
        if token is None:
            if scope is Scope.ADMIN:
                _refused(request, "anonymous", "no valid token" if credentials else "no token")
            raise HTTPException(401, "需要有效的令牌（Authorization: Bearer …）", {"WWW-Authenticate": "Bearer"})
        if scope not in token.scopes and Scope.ADMIN not in token.scopes:
            if scope is Scope.ADMIN:
                _refused(request, actor(token), "token without the admin scope")
            raise HTTPException(403, f"此令牌无权执行该操作（需要 {scope.value} 权限）")
        return token

    def authorize(scope: Scope) -> Any:
        """A dependency: ``permit(scope, …)``, giving the handler the token."""

        def check(request: Request, credentials: Bearer) -> ApiToken | None:
            return permit(scope, request, credentials)

        return Depends(check)

    def _refused(request: Request, who: str, reason: str) -> None:
        if service.audit is not None:
            client = request.client.host if request.client else "?"
            detail = f"{request.method} {request.url.path} from {client}: {reason}"
            service.audit.record(AuditEntry(who, Action.LOGIN_FAILED, detail=detail))

    admin = authorize(Scope.ADMIN)  # gives the admin token: the audit log's "who"

    api = FastAPIOffline(
        title="政策问答 policy-qa",
        description="回答政府政策文件问题，每句回答都注明出处（文件、章节、原文位置）。离线运行。",
        version="0.1.0",
    )
    # Every request, the pages' included, is counted as it streams; the routes below lower it for themselves.
    # Added before ``_guard`` so that ``_guard`` (outside it) answers a declared oversized length in words.
    api.add_middleware(RequestBodyLimitMiddleware, max_body_size=upload_bytes)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        """422 with one readable sentence and the fields at fault, without echoing (possibly huge) input."""
        errors = [{"field": ".".join(str(part) for part in e["loc"][1:]), "message": e["msg"]} for e in error.errors()]
        text = "；".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
        return JSONResponse({"detail": f"请求无效：{text}", "errors": errors}, status_code=422)

    @api.exception_handler(ManagementError)
    async def _refused_action(_: Request, error: ManagementError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404 if isinstance(error, NotFound) else 400)

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        """The body limit's own 413 ("Content Too Large") in words, with the limit; any other as FastAPI says."""
        if error.status_code == 413 and error.detail == "Content Too Large":
            return too_large(request.url.path)
        return await http_exception_handler(request, error)

    @api.exception_handler(ReadOnlyError)
    async def _read_only(_: Request, error: ReadOnlyError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=403)

    @api.exception_handler(OSError)
    async def _disk(_: Request, error: OSError) -> JSONResponse:
        """A full disk or a read-only folder is said as such (507, 503); the index in use keeps serving."""
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return JSONResponse({"detail": "磁盘空间不足：本次操作未完成，现有索引继续服务。"}, status_code=507)
        if error.errno == errno.EROFS:
            return JSONResponse({"detail": "存储为只读：本次操作未完成，现有索引继续服务。"}, status_code=503)
        return await _unexpected(_, error)

    @api.exception_handler(sqlite3.OperationalError)
    async def _feedback_unavailable(_: Request, error: sqlite3.OperationalError) -> JSONResponse:
        log.warning("feedback store: %s", error)
        return JSONResponse({"detail": "反馈暂时无法保存或读取（磁盘已满或不可写），问答不受影响。"}, status_code=503)

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return JSONResponse({"detail": "服务器内部错误，请稍后再试。"}, status_code=500)

    @api.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        """Host allow-list on every request, Origin allow-list on state-changing ones (CSRF), security headers."""
        if not host_allowed(request.headers.get("host", ""), hosts):
            return JSONResponse({"detail": "主机名不在允许列表中（--allowed-host）"}, status_code=400)
        origin = request.headers.get("origin")
        if request.method in _STATE_CHANGING and origin and not host_allowed(urlsplit(origin).netloc, hosts):
            return JSONResponse({"detail": "跨站请求被拒绝（Origin 不在允许列表中）"}, status_code=403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > body_limit(request.url.path):  # refused before it is read
            response = too_large(request.url.path)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    json_body = {"max_body_size": limits.json_body_bytes}
    limited = Depends(throttle)

    def answers(request: AskRequest) -> Iterator[str | Answered]:
        question = _question(request.question)
        history = service.turns_from_questions(request.history)
        return service.answer_stream(question, history, request.region, request.year, request.doc_ids)

    def response(answered: Answered) -> dict:
        return AskResponse.model_validate({**answered.answer.to_dict(), "concise": answered.concise}).model_dump()

    @api.post("/api/ask", response_model=AskResponse, tags=["问答"], summary="回答一个问题（带出处）", **json_body)
    def ask(request: AskRequest, _: None = authorize(Scope.ASK), __: None = limited) -> dict:
        """Generated when a language model is configured (``mode``), else extractive; both cite their passages."""
        *_, answered = answers(request)
        return response(answered)

    @api.post(
        "/api/ask/stream",
        tags=["问答"],
        summary="回答一个问题，生成的文字边生成边发送（Server-Sent Events）",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
        **json_body,
    )
    def ask_stream(request: AskRequest, _: None = authorize(Scope.ASK), __: None = limited) -> StreamingResponse:
        """``event: token`` with ``{"text": …}`` for each piece the language model sends (none when generation
        is off or the question is refused), then ``event: answer`` with the same JSON as ``/api/ask``; a piece
        streamed before a fallback is superseded by that answer."""
        stream = answers(request)  # a bad question is a 400 here, before the stream starts

        def events() -> Iterator[str]:
            for item in stream:
                name, data = ("answer", response(item)) if isinstance(item, Answered) else ("token", {"text": item})
                yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @api.post("/api/search", response_model=SearchResponse, tags=["问答"], summary="检索相关段落", **json_body)
    def search(
        request: SearchRequest,
        http: Request,
        credentials: Bearer,
        _: None = authorize(Scope.SEARCH),
        __: None = limited,
    ) -> dict:
        """``staged``: the staging index instead of the public one, for an admin token only."""
        if request.staged:
            permit(Scope.ADMIN, http, credentials)
        question = _question(request.question)
        hits = service.search(question, request.k, request.region, request.year, request.doc_ids, request.staged)
        marked = {"staged": True} if request.staged else {}
        return {"hits": [{**hit.to_dict(), **marked} for hit in hits]}

    @api.post(
        "/api/feedback", response_model=FeedbackResponse, tags=["反馈"], summary="记录对回答的 👍/👎", **json_body
    )
    def add_feedback(request: FeedbackRequest, _: None = authorize(Scope.FEEDBACK)) -> dict:
        record_id = feedback.add(
            request.question, request.answer, request.rating, request.comment, request.citations, request.understood
        )
        return {"id": record_id}

    @api.get("/api/feedback/export", tags=["反馈"], summary="导出全部反馈（JSONL 或 CSV）")
    def export_feedback(format: Literal["jsonl", "csv"] = "jsonl", token: ApiToken = admin) -> Response:
        if service.audit is not None:
            service.audit.record(AuditEntry(actor(token), Action.FEEDBACK_EXPORT, detail=format))
        return _download("feedback", format, feedback.export_csv if format == "csv" else feedback.export_jsonl)

    @api.get("/api/audit", tags=["管理"], summary="导出审计日志（JSONL 或 CSV）：谁在何时做了哪项管理操作")
    def export_audit(format: Literal["jsonl", "csv"] = "jsonl", _: ApiToken = admin) -> Response:
        if service.audit is None:
            raise HTTPException(404, "未配置审计日志")
        return _download("audit", format, service.audit.export_csv if format == "csv" else service.audit.export_jsonl)

    @api.get("/api/documents", response_model=DocumentsResponse, tags=["文件"], summary="已建立索引的文件")
    def documents(_: None = authorize(Scope.ASK)) -> dict:
        return {"documents": service.documents(), "failed": service.failed_documents()}

    @api.post(
        "/api/documents",
        response_model=UploadResponse,
        tags=["文件"],
        summary="上传文件并加入索引",
        max_body_size=upload_bytes,  # counted as it streams: a chunked body is cut off here, not spooled whole
    )
    def upload(
        files: list[UploadFile],
        replace: bool = Query(
            False, description="同名文件存在时替换它（旧版本被新版本取代并保存，可恢复）；默认拒绝同名文件"
        ),
        stage: bool = Query(
            False,
            description="暂存待审核：仅管理员可检索（GET /api/staged），发布后才公开；不能与 replace 同用",
        ),
        token: ApiToken = admin,
    ) -> dict:
        """Same checks as the admin page: type, size, safe name, duplicate content, readable; reported per file."""
        service.require_writable()
        if stage and replace:
            raise HTTPException(
                400, "暂存不替换任何文件：发布时再选择替换（POST /api/staged/{doc_id}/publish?replace=true）"
            )
        try:
            check_file_count(len(files))
        except UploadRefused as error:
            raise HTTPException(413, str(error)) from error
        with tempfile.TemporaryDirectory(prefix="policy-qa-api-upload-") as received:
            uploads = _received(files, Path(received))
            result = service.admin.upload(uploads, replace=replace, actor=actor(token), stage=stage)
        return {"added": result.added, "refused": result.refused, "seconds": result.seconds}

    @api.get("/api/staged", response_model=StagedResponse, tags=["管理"], summary="暂存待审核的文件")
    def staged(_: ApiToken = admin) -> dict:
        return {"documents": service.staging.documents()}

    @api.post("/api/staged/{doc_id}/publish", response_model=ActionResponse, tags=["管理"], summary="发布暂存的文件")
    def publish(
        doc_id: str,
        replace: bool = Query(False, description="同名的已发布文件存在时取代它（旧版本保存，可恢复）"),
        token: ApiToken = admin,
    ) -> dict:
        """Moved into the corpus and indexed without embedding again; it is public from then on."""
        return service.admin.publish(doc_id, replace, actor(token)).to_dict()

    @api.delete("/api/staged/{doc_id}", response_model=ActionResponse, tags=["管理"], summary="丢弃暂存的文件")
    def discard(doc_id: str, token: ApiToken = admin) -> dict:
        """Never published; the file is kept as a version (``version``), so it can still be restored."""
        return service.admin.discard(doc_id, actor(token)).to_dict()

    @api.get("/api/documents/deleted", response_model=DeletedResponse, tags=["管理"], summary="已删除、可恢复的文件")
    def deleted(_: ApiToken = admin) -> dict:
        return {"files": service.admin.deleted()}

    @api.delete("/api/documents/{doc_id}", response_model=ActionResponse, tags=["管理"], summary="删除文件（可恢复）")
    def remove(doc_id: str, token: ApiToken = admin) -> dict:
        return service.admin.remove(doc_id, actor(token)).to_dict()

    @api.post(
        "/api/documents/{doc_id}/replace",
        response_model=UploadResponse,
        tags=["管理"],
        summary="上传新版本取代旧版本",
        max_body_size=upload_bytes,
    )
    def replace_document(doc_id: str, file: UploadFile, token: ApiToken = admin) -> dict:
        """The new version keeps the document's file name and doc_id; the old one is kept and can be restored."""
        with tempfile.TemporaryDirectory(prefix="policy-qa-api-upload-") as received:
            (upload,) = _received([file], Path(received))
            result = service.admin.replace(doc_id, upload, actor(token))
        return {"added": result.added, "refused": result.refused, "seconds": result.seconds}

    @api.get("/api/documents/{doc_id}/versions", response_model=VersionsResponse, tags=["管理"], summary="保存的旧版本")
    def versions(doc_id: str, _: ApiToken = admin) -> dict:
        name, kept = service.admin.versions_of(doc_id)
        return {"file": name, "versions": kept}

    @api.post("/api/documents/{doc_id}/restore", response_model=ActionResponse, tags=["管理"], summary="恢复旧版本")
    def restore(
        doc_id: str,
        version: str = Query(..., max_length=40, description="GET …/versions 列出的 version"),
        token: ApiToken = admin,
    ) -> dict:
        return service.admin.restore(doc_id, version, actor(token)).to_dict()

    @api.patch("/api/documents/{doc_id}/meta", response_model=ActionResponse, tags=["管理"], summary="修正元数据")
    def edit_meta(doc_id: str, request: MetaRequest, token: ApiToken = admin) -> dict:
        """Stored in corpus/manifest.json and applied at once, without embedding anything again."""
        return service.admin.edit_meta(doc_id, request.model_dump(exclude_unset=True), actor(token)).to_dict()

    @api.get("/documents/{doc_id}", response_class=HTMLResponse, tags=["文件"], summary="查看原文并定位到引用处")
    def document(
        doc_id: str,
        start: int = Query(0, ge=0),
        end: int = Query(0, ge=0),
        evidence: str = "",
        _: None = authorize(Scope.ASK),
    ) -> Response:
        original = service.original(doc_id)
        meta = service.retriever.store.documents.get(doc_id)
        if original is None or meta is None:
            raise HTTPException(status_code=404, detail=f"没有这个文件：{doc_id}")
        meta_line = " · ".join(str(part) for part in (meta.region, meta.year, meta.issuer, meta.doc_number) if part)
        page = document_page(meta.title or doc_id, meta_line, original, start, end, evidence)
        # The page is text only: even if escaping were ever bypassed, the browser would run no script.
        return HTMLResponse(page, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    return api


def actor(token: ApiToken) -> str:
    """Who an API request acts as, in the audit log."""
    return f"token:{token.name}"


def _received(files: list[UploadFile], folder: Path) -> list[tuple[Path, str]]:
    """Each upload saved under a number (the client's name is never a path here), with the name it gave."""
    uploads = []
    for number, file in enumerate(files):
        path = folder / str(number)
        with path.open("wb") as target:
            shutil.copyfileobj(file.file, target)
        uploads.append((path, file.filename or ""))
    return uploads


def _download(name: str, format: str, body: Callable[[], str]) -> Response:
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    return Response(
        body(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    )
