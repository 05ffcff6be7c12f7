"""End to end: ``python app.py`` on a free loopback port, driven over HTTP and in headless Chromium.

The server runs on copies of the real corpus and of the session index (nothing is rebuilt, nothing in
the repository changes). The browser tests need Debian's chromium (``apt-get install chromium``) and the
``playwright`` Python package; without them they are skipped with the reason, the HTTP tests still run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from assistant.engine import Engine
from assistant.presentation.access import ENV_ADMIN_TOKEN
from tests.clients import ADMIN_TOKEN
from tests.paths import CORPUS, ROOT

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SCREENSHOT = ROOT / "eval" / "results" / "app_screenshot.png"
SCREENSHOTS = ROOT / "eval" / "results" / "ui"  # one per browser test of issue 14's points and viewport
VIEWPORTS = {"desktop": (1440, 1000), "phone": (390, 844)}
START_TIMEOUT = 300  # seconds: loading the model on a busy 2-core machine
UI_TIMEOUT = 120_000  # milliseconds for answers and uploads in the browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_NAME = "测试县_2024年数据开放工作要点.txt"
HOSTILE_DOCUMENT = (
    "测试县人民政府办公室关于印发《2024年测试县数据开放工作要点》的通知\n\n"
    "一、加强数据开放平台建设\n"
    "数据开放平台由县大数据中心负责运维<script>window.__pwned=1</script>，"
    '每季度更新开放目录<img src=x onerror="window.__pwned=1">。详见[开放说明](javascript:window.__pwned=1)。\n'
)


@dataclass
class Server:
    url: str
    corpus: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(engine: Engine, base: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``python app.py`` on copies of the corpus and the session index in ``base``, with ``env`` added."""
    shutil.copytree(CORPUS, base / "corpus")
    shutil.copytree(engine.index_dir, base / "index")
    port = _free_port()
    log = base / "app.log"
    command = [
        sys.executable,
        str(ROOT / "app.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--corpus",
        str(base / "corpus"),
        "--index",
        str(base / "index"),
        "--data",
        str(base / "data"),
    ]
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", ENV_ADMIN_TOKEN: ADMIN_TOKEN, **(env or {})}
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, env=environment)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/documents", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > START_TIMEOUT:
                pytest.fail(f"app.py did not serve within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        print(f"app.py served after {time.monotonic() - started:.1f} s")
        yield Server(url, base / "corpus", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_app(engine, tmp_path_factory.mktemp("app")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright: browser tests skipped")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, server: Server) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(UI_TIMEOUT)
    opened.goto(server.url, wait_until="domcontentloaded")
    opened.locator("#question textarea, #question input").first.wait_for()
    yield opened
    context.close()


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, browser: object, server: Server) -> Iterator[object]:
    """The public page at 1440×1000 and on a 390×844 touch phone (one browser, a context per test)."""
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", has_touch=phone, is_mobile=phone
    )
    opened = context.new_page()
    opened.set_default_timeout(UI_TIMEOUT)
    opened.goto(server.url, wait_until="domcontentloaded")
    opened.locator("#question textarea, #question input").first.wait_for()
    yield opened
    context.close()


def _screenshot(page: object, name: str) -> Path:
    """The viewport as the user sees it, stored as ``eval/results/ui/<name>_<width>x<height>.png``."""
    size = page.viewport_size
    path = SCREENSHOTS / f"{name}_{size['width']}x{size['height']}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


def _in_view(page: object, selector: str, index: int = -1) -> bool:
    """Whether the element is wholly inside the viewport (after scrolling, by the page or its own panel)."""
    box = page.locator(selector).nth(index).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= -1 and box["y"] + box["height"] <= size["height"] + 1


def _ask(page: object, question: str, expect: str) -> None:
    """Type a question, send it, and wait until the answer holding ``expect`` and its sources are shown."""
    box = page.locator("#question textarea, #question input").first
    answers = "#chat .bot, #chat [data-testid='bot']"
    before = page.locator(answers).count()  # an earlier answer holding ``expect`` must not count
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "([selector, before, expect]) => { const shown = document.querySelectorAll(selector);"
        " return shown.length > before && shown[shown.length - 1].innerText.includes(expect); }",
        arg=[answers, before, expect],
    )
    page.wait_for_function("() => !document.querySelector('#sources').innerText.includes('正在查找')")


# --- HTTP, against the running server -------------------------------------------------------------------


def test_app_takes_the_same_vector_store_flags_as_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One setting moves the web app to Milvus too: app.py passes the store flags on to the engine it opens."""
    import app

    opened: dict = {}

    def open_engine(*args: object, **options: object) -> None:
        opened.update(options)
        raise SystemExit("opened")  # the engine is all this test needs; nothing is built or served

    monkeypatch.setattr(app.Engine, "open", open_engine)
    monkeypatch.setenv("POLICY_QA_MILVUS_TOKEN", "user:secret")
    argv = ["--index", str(tmp_path), "--backend", "milvus", "--milvus-uri", "http://milvus.example:19530"]
    with pytest.raises(SystemExit, match="opened"):
        app.main([*argv, "--milvus-collection", "province", "--milvus-index", "HNSW"])
    settings = opened["index"]
    assert (settings.backend, settings.milvus_uri, settings.milvus_collection) == (
        "milvus",
        "http://milvus.example:19530",
        "province",
    )
    assert (settings.milvus_index, settings.milvus_token) == ("HNSW", "user:secret")


def test_rest_ask_search_and_errors(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        paths = client.get("/openapi.json").json()["paths"]
        assert {"/api/ask", "/api/search", "/api/feedback", "/api/feedback/export", "/api/documents"} <= set(paths)
        assert len(client.get("/api/documents").json()["documents"]) >= 5
        answer = client.post("/api/ask", json={"question": "政务新媒体由谁负责"}).json()
        assert "达州高新区（2023）：责任单位：党群工作部" in answer["answer"]
        assert "县政府办公室" in answer["answer"] and len(answer["citations"]) >= 2
        follow = client.post("/api/ask", json={"question": "什么时候完成？", "history": ["高县政务新媒体由谁负责"]})
        assert follow.json()["understood"].startswith("高县政务新媒体")
        # Issue 14's three turns through the API, a client sending back each answer's `understood` as history.
        understood: list[str] = []
        for question, expected in [
            ("政府的公众号归谁管？", "县政府办公室"),
            ("那高县呢？", "县政府办公室"),
            ("什么时候完成？", "完成时限"),
        ]:
            turn = client.post("/api/ask", json={"question": question, "history": understood}).json()
            assert expected in turn["answer"], turn
            understood.append(turn["understood"])
        assert understood[1].startswith("高县") and understood[2].startswith("高县"), understood
        assert "高县（2023）" in turn["answer"] and "达州" not in turn["answer"], turn["answer"]
        hits = client.post("/api/search", json={"question": "政府网站适老化改造", "k": 4}).json()["hits"]
        assert len(hits) == 4 and all("start" in hit and "section" in hit for hit in hits)
        empty = client.post("/api/ask", json={"question": "  "})
        assert empty.status_code == 400 and empty.json() == {"detail": "问题为空：请输入要查询的问题。"}
        assert client.post("/api/ask", json={"question": "问" * 600}).status_code == 422


def test_rest_concurrent_requests_and_feedback_export(server: Server) -> None:
    questions = ["政务新媒体由谁负责", "政府网站适老化改造什么时候完成", "政务新媒体季度抽查比例不低于多少"]

    def ask_and_rate(number: int) -> int:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            answer = client.post("/api/ask", json={"question": questions[number % 3]}).json()
            body = {
                "question": answer["question"],
                "answer": answer["answer"],
                "citations": answer["citations"],
                "rating": "up" if number % 2 else "down",
                "comment": f"并发{number}",
            }
            return client.post("/api/feedback", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(ask_and_rate, range(6))) == [200] * 6
    exported = httpx.get(f"{server.url}/api/feedback/export", headers=ADMIN, timeout=30)
    records = [json.loads(line) for line in exported.text.splitlines()]
    assert {r["comment"] for r in records} >= {f"并发{n}" for n in range(6)}
    assert all(r["citations"] for r in records if r["comment"].startswith("并发"))
    csv_text = httpx.get(f"{server.url}/api/feedback/export", params={"format": "csv"}, headers=ADMIN, timeout=30).text
    assert csv_text.count("并发") == 6


# --- In the browser -------------------------------------------------------------------------------------


def test_chat_answers_with_sources_follow_up_and_feedback(page: object, server: Server) -> None:
    started = time.monotonic()
    _ask(page, "政务新媒体由谁负责", "县政府办公室")
    chat = page.locator("#chat").inner_text()
    assert "达州高新区（2023）：责任单位：党群工作部" in chat
    assert "高县（2023）：牵头单位：县政府办公室" in chat
    cards = page.locator("#sources .citation")
    assert cards.count() >= 2
    sources = page.locator("#sources").inner_text()
    assert "2023年全区政务公开工作要点" in sources and "党群工作部" in sources and "县政府办公室" in sources
    assert page.locator("#sources mark.evidence").count() >= cards.count()
    cards.first.locator("summary").click()  # 查看原文: the original file around the cited span
    assert "党群工作部" in cards.first.locator(".original-text mark.span").inner_text()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    print(f"first answer in the browser after {time.monotonic() - started:.1f} s")

    page.locator("#chat button[aria-label='踩']").last.click()  # the chat's own 👎
    page.locator("#feedback-status").filter(has_text="已记录👎").wait_for()

    _ask(page, "那高县呢？", "理解为：高县政务新媒体由谁负责")
    assert page.locator("#sources .citation").count() == 1
    assert "高县" in page.locator("#sources .citation-meta").inner_text()

    page.locator("#concise-mode input").check()
    concise = page.locator("#concise textarea")
    concise.wait_for()
    assert "高县（2023）：牵头单位：县政府办公室" in concise.input_value()

    page.locator("#feedback-comment textarea, #feedback-comment input").first.fill("浏览器里的反馈")
    page.locator("#chat button[aria-label='赞']").last.click()  # the chat's own 👍 under the latest answer
    page.locator("#feedback-status").filter(has_text="已记录👍").wait_for()
    records = [
        json.loads(line)
        for line in httpx.get(f"{server.url}/api/feedback/export", headers=ADMIN, timeout=30).text.split("\n")
        if line
    ]
    assert any(r["rating"] == "down" and r["question"] == "政务新媒体由谁负责" for r in records)
    mine = [r for r in records if r["comment"] == "浏览器里的反馈"]
    assert len(mine) == 1 and mine[0]["rating"] == "up" and mine[0]["question"].startswith("那高县呢")  # NFKC: ？ → ?
    assert mine[0]["understood"] == "高县政务新媒体由谁负责" and mine[0]["citations"][0]["region"].endswith("高县")


def test_uploaded_document_is_indexed_and_shown_escaped(page: object, server: Server, tmp_path: Path) -> None:
    hostile = tmp_path / HOSTILE_NAME
    hostile.write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    duplicate = tmp_path / "copy.txt"
    shutil.copyfile(next(CORPUS.glob("高县*.txt")), duplicate)
    page.goto(f"{server.url}/admin/", wait_until="domcontentloaded")
    page.locator("input[data-testid=textbox]").fill("admin")  # Gradio's own login form
    page.locator("input[type=password]").fill(ADMIN_TOKEN)
    page.get_by_role("button", name=re.compile("^(Login|登录)$")).click()  # Gradio shows it in the page's locale
    page.locator("#upload input[type=file]").set_input_files([str(hostile), str(duplicate)])
    for stem in ("测试县_2024年数据开放工作要点", "copy"):  # shown once each upload has finished
        page.locator("#upload").filter(has_text=stem).wait_for()
    page.locator("#add-documents").click()
    page.wait_for_function("() => document.querySelector('#upload-report textarea').value.includes('已加入索引')")
    report = page.locator("#upload-report textarea").input_value()
    assert f"已加入索引：{HOSTILE_NAME}" in report
    assert "未加入：copy.txt（内容与已有文件相同：高县_2023年政务公开重点工作任务清单.txt）" in report
    assert (server.corpus / HOSTILE_NAME).is_file()
    page.locator("#export-feedback").click()
    page.locator("#exported").filter(has_text=".csv").wait_for()
    assert page.locator("#exported a[href*='feedback.csv']").count() == 1

    page.goto(server.url, wait_until="domcontentloaded")
    _ask(page, "数据开放平台由谁负责运维", "县大数据中心")
    sources = page.locator("#sources")
    assert "<script>window.__pwned=1</script>" in sources.inner_text()
    assert '<img src=x onerror="window.__pwned=1">' in sources.inner_text()
    page.locator("#sources .citation").first.locator("summary").click()
    assert "<script>window.__pwned=1</script>" in page.locator("#sources .original-text").first.inner_text()
    for selector in ("#sources script", "#sources img", "#chat script", "#chat img[src='x']", "a[href^='javascript']"):
        assert page.locator(selector).count() == 0, selector
    assert page.evaluate("() => window.__pwned") is None

    doc_id = quote(HOSTILE_NAME.removesuffix(".txt"))
    page.goto(f"{server.url}/documents/{doc_id}?start=10&end=60#hit", wait_until="load")
    assert "<script>window.__pwned=1</script>" in page.locator("body").inner_text()
    assert page.evaluate("() => window.__pwned") is None


def test_script_in_a_document_uploaded_through_the_api_never_runs(page: object, server: Server) -> None:
    """Markdown and HTML carrying scripts, handlers and ``javascript:`` links: shown as text, nothing executes."""
    markdown = (
        "# 脚本县2024年档案工作要点\n\n一、档案数字化\n档案数字化由县档案馆负责<script>document.title='pwned';"
        'window.__ran=1</script>，[查看说明](javascript:window.__ran=1) <svg onload="window.__ran=1"></svg>。\n'
    )
    html = (
        "<html><head><title>脚本县档案</title><script>window.__ran=1</script></head><body onload='window.__ran=1'>"
        "<p>档案查阅由县档案馆窗口办理&lt;script&gt;window.__ran=1&lt;/script&gt;</p>"
        "<a href='javascript:window.__ran=1'>链接</a></body></html>"
    )
    files = [("files", ("脚本县_档案.md", markdown.encode())), ("files", ("脚本县_查阅.html", html.encode()))]
    result = httpx.post(f"{server.url}/api/documents", files=files, headers=ADMIN, timeout=600).json()
    assert sorted(result["added"]) == sorted(["脚本县_档案.md", "脚本县_查阅.html"]) and not result["refused"], result
    title = page.title()
    _ask(page, "脚本县档案数字化由谁负责", "县档案馆")
    page.locator("#sources .citation").first.locator("summary").click()
    assert "<script>document.title='pwned'" in page.locator("#sources").inner_text()
    _ask(page, "脚本县档案查阅在哪里办理", "县档案馆")
    # Inside the app's own markup (.sources): Gradio's loading indicator beside it may briefly draw an svg.
    assert page.locator("#sources .sources .citation").count() >= 1
    for selector in ("#sources .sources script", "#sources .sources svg", "#chat script", "a[href^='javascript']"):
        found = page.locator(selector)
        assert found.count() == 0, [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]
    assert page.evaluate("() => window.__ran") is None and page.title() == title
    for doc_id in ("脚本县_档案", "脚本县_查阅"):
        page.goto(f"{server.url}/documents/{quote(doc_id)}", wait_until="load")
        assert "县档案馆" in page.locator("body").inner_text()
        assert page.evaluate("() => window.__ran") is None and page.title() != "pwned"


def test_a_path_sent_by_the_client_is_never_read_or_published(server: Server, tmp_path: Path) -> None:
    """The upload event takes Gradio file data, whose path the client chooses: only Gradio's own uploads count."""
    secret = tmp_path / "secret.md"
    secret.write_text("# 机密\n\n服务器密钥是 hunter2。\n", encoding="utf-8")
    payload = {"data": [[{"path": str(secret), "meta": {"_type": "gradio.FileData"}}], False, False]}
    assert httpx.post(f"{server.url}/gradio_api/call/upload", json=payload, timeout=30).status_code >= 400
    with httpx.Client(base_url=server.url, timeout=600) as client:
        assert client.post("/admin/gradio_api/call/upload", json=payload).status_code == 401
        client.post("/admin/login", data={"username": "admin", "password": ADMIN_TOKEN}).raise_for_status()
        event = client.post("/admin/gradio_api/call/upload", json=payload).json()["event_id"]
        stream = client.get(f"/admin/gradio_api/call/upload/{event}").text
    assert "event: error" in stream and "已加入" not in stream and "\\u5df2\\u52a0\\u5165" not in stream, stream
    assert not (server.corpus / "secret.md").exists()
    assert httpx.get(f"{server.url}/documents/secret", timeout=30).status_code == 404


def test_cross_site_requests_foreign_hosts_and_framing_are_refused(server: Server) -> None:
    files = [("files", ("跨站.txt", "测试县档案工作由县档案馆负责。".encode()))]
    foreign = httpx.post(
        f"{server.url}/api/documents", files=files, headers={**ADMIN, "Origin": "http://evil.example"}, timeout=60
    )
    assert foreign.status_code == 403 and not (server.corpus / "跨站.txt").exists()
    assert httpx.get(f"{server.url}/api/documents", headers={"Host": "evil.example"}, timeout=30).status_code == 400
    assert httpx.post(f"{server.url}/api/documents", files=files, timeout=60).status_code == 401
    for path in ("/", "/admin/", "/docs"):
        headers = httpx.get(f"{server.url}{path}", timeout=30).headers
        assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_crashing_pdf_and_same_stem_files_leave_the_running_app_serving(server: Server, tmp_path: Path) -> None:
    from tests.hardening.test_hostile_files import recursive_pdf

    pdf = recursive_pdf(tmp_path / "deep.pdf").read_bytes()
    first = httpx.post(f"{server.url}/api/documents", files=[("files", ("deep.pdf", pdf))], headers=ADMIN, timeout=600)
    assert first.status_code == 200 and "nested too deeply" in first.json()["refused"]["deep.pdf"]
    assert not (server.corpus / "deep.pdf").exists()
    asked = httpx.post(f"{server.url}/api/ask", json={"question": "政务新媒体由谁负责"}, timeout=120)
    assert asked.status_code == 200 and asked.json()["answerable"]

    same_stem = [
        ("files", ("同名_工作要点.txt", "测试县档案工作要点\n一、档案数字化由县档案馆负责。\n".encode())),
        ("files", ("同名_工作要点.md", "# 测试县数据工作要点\n\n一、数据开放由县大数据中心负责。\n".encode())),
    ]
    added = httpx.post(f"{server.url}/api/documents", files=same_stem, headers=ADMIN, timeout=600).json()
    assert sorted(added["added"]) == ["同名_工作要点.md", "同名_工作要点.txt"], added

    def passages() -> dict[str, tuple[str, int]]:
        rows = httpx.get(f"{server.url}/api/documents", timeout=30).json()["documents"]
        return {row["file"]: (row["doc_id"], row["passages"]) for row in rows if row["file"].startswith("同名")}

    before = passages()
    assert len({doc_id for doc_id, _ in before.values()}) == 2
    later = [("files", ("之后_工作要点.txt", "测试县统计工作要点\n一、统计公报由县统计局发布。\n".encode()))]
    assert httpx.post(f"{server.url}/api/documents", files=later, headers=ADMIN, timeout=600).json()["added"]
    assert passages() == before  # no doubling on later uploads
    md_id = before["同名_工作要点.md"][0]
    page = httpx.get(f"{server.url}/documents/{quote(md_id)}", timeout=30).text
    assert "县大数据中心" in page and "县档案馆" not in page


# --- Issue 14: the web app as citizens and operators use it, at 1440×1000 and on a 390×844 phone ------------


def test_every_source_card_can_be_scrolled_into_view(sized: object) -> None:
    """出处 scrolls on its own beside the chat (the page on a phone), so the last card is reachable."""
    _ask(sized, "政务新媒体由谁负责", "县政府办公室")
    cards = sized.locator("#sources .citation")
    assert cards.count() >= 5
    sizes = [(1440, 1000), (1366, 768), (1920, 1080)] if sized.viewport_size["width"] > 800 else [(390, 844)]
    for width, height in sizes:
        sized.set_viewport_size({"width": width, "height": height})
        for index in range(cards.count()):
            cards.nth(index).scroll_into_view_if_needed()
            assert _in_view(sized, "#sources .citation", index), (width, height, index)
        if width < 800:  # the columns stack: the sources come before the feedback block
            feedback = sized.locator("#feedback-comment").bounding_box()["y"]
            assert cards.last.bounding_box()["y"] < feedback
        _screenshot(sized, "1_sources")


def test_citation_markers_link_to_their_card_with_a_preview(sized: object) -> None:
    """[n] scrolls to and flashes card n; hovering (a first tap on the phone) previews its evidence."""
    _ask(sized, "政务新媒体由谁负责", "县政府办公室")
    markers = sized.locator("#chat a.cite")
    assert markers.count() >= 5
    last = markers.last
    number = last.inner_text().strip("[]")
    if sized.viewport_size["width"] < 800:
        last.tap()  # the first tap previews, the second goes to the card
        preview = sized.locator("#cite-preview")
        preview.wait_for()
        assert "高县" in preview.inner_text() and "县政府办公室" in preview.inner_text()
        _screenshot(sized, "2_preview")
        last.tap()
    else:
        last.hover()
        preview = sized.locator("#cite-preview")
        preview.wait_for()
        assert "高县" in preview.inner_text() and "县政府办公室" in preview.inner_text()
        _screenshot(sized, "2_preview")
        last.click()
    card = sized.locator(f"#sources #citation-{number}.flash")
    card.wait_for()
    sized.wait_for_timeout(600)  # the smooth scroll
    assert _in_view(sized, f"#sources #citation-{number}", 0)
    assert sized.evaluate("location.hash") == ""  # the link scrolls the panel, it does not navigate
    _screenshot(sized, "2_flash")


# Visible text and tooltips with an English word in them (file names, the API's paths, SHA-256 and table cells
# aside).
ENGLISH = """() => {
  const allowed = /SHA-256|API|GET \\/api\\S*|\\.(txt|md|pdf|docx|html?)|\\S+\\.txt/g;
  const english = (text) => /[A-Za-z]{3,}/.test(text.replace(allowed, ""));
  const found = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    // The tables' cells are data (audit details, file names), whatever layout Gradio draws them in (a phone's too).
    const data = element && element.closest("tbody, td, #documents, #staged, #audit");
    if (element && !data && element.checkVisibility() && english(walker.currentNode.textContent)) {
      found.add(walker.currentNode.textContent.trim());
    }
  }
  for (const element of document.querySelectorAll("[title], [placeholder]")) {
    for (const name of ["title", "placeholder"]) {
      const value = element.getAttribute(name);
      if (value && element.checkVisibility() && english(value)) found.add(`${name}=${value}`);
    }
  }
  return [...found];
}"""


def _admin_login(page: object, server: Server) -> None:
    page.goto(f"{server.url}/admin/", wait_until="domcontentloaded")
    page.locator("input[data-testid=textbox]").fill("admin")  # Gradio's own login form
    page.locator("input[type=password]").fill(ADMIN_TOKEN)
    page.get_by_role("button", name=re.compile("^(Login|登录)$")).click()
    page.locator("#upload").wait_for()


def test_the_pages_speak_chinese_in_an_english_browser(sized: object, server: Server) -> None:
    """Gradio's own strings (upload area, toasts, the chat's buttons) and the tables' headers are Chinese."""
    assert sized.evaluate("navigator.language") == "zh-CN"  # the browser itself is en-US
    sized.locator("#ask").click()  # nothing typed: a warning toast
    toast = sized.locator("[data-testid='toast-body']")
    toast.filter(has_text="请输入要查询的问题").wait_for()
    assert toast.locator(".toast-title").inner_text().startswith("提示")
    _screenshot(sized, "3_toast")
    _ask(sized, "政务新媒体由谁负责", "县政府办公室")
    labels = sized.locator("#chat .message-buttons button, #chat button[aria-label]").evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('aria-label') || b.title)"
    )
    assert {"复制", "赞", "踩"} <= set(labels), labels
    assert sized.evaluate(ENGLISH) == []
    # Gradio's status tracker hard-codes "queue: 1/1 |" while an event waits (seen on the admin page, one at a time).
    sized.evaluate(
        "() => { const s = document.createElement('span'); s.id = 'waiting'; document.body.append(s);"
        " s.textContent = 'queue: 1/2 |'; }"
    )
    sized.wait_for_function("() => document.querySelector('#waiting').textContent === '排队 1/2 |'")
    _screenshot(sized, "3_public")

    _admin_login(sized, server)
    upload = sized.locator("#upload").inner_text()
    assert "将文件拖放到此处" in upload and "点击上传" in upload and "Drop File" not in upload
    headers = sized.locator("table thead").first.inner_text()
    assert "文件编号" in headers and "标题" in headers and "地区" in headers and "doc_id" not in headers
    assert sized.evaluate(ENGLISH) == []
    _screenshot(sized, "3_admin")


def _choose(page: object, dropdown: str, option: str) -> None:
    """Pick ``option`` (its label, exactly) in the Gradio dropdown ``#dropdown``."""
    page.locator(f"#{dropdown} input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def _options(page: object, dropdown: str) -> list[str]:
    page.locator(f"#{dropdown} input").first.click()
    page.get_by_role("option").first.wait_for()
    labels = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [label.replace("✓", "").strip() for label in labels]  # the chosen one is ticked


def test_lists_refresh_after_uploads_and_filters_say_when_nothing_matches(
    sized: object, server: Server, tmp_path: Path
) -> None:
    """An upload shows in the admin table at once and after a reload, and in the public page's filters by its
    title; a region narrows the years; filters no document passes say so."""
    width = sized.viewport_size["width"]
    title = f"2024年刷新县{width}数据开放工作要点"
    upload = tmp_path / f"刷新县_{width}.txt"
    upload.write_text(f"刷新县人民政府办公室关于印发《{title}》的通知\n\n一、数据开放平台由县数据局{width}负责。\n")
    _admin_login(sized, server)
    sized.locator("#upload input[type=file]").set_input_files([str(upload)])
    sized.locator("#upload").filter(has_text=upload.stem).wait_for()
    sized.locator("#add-documents").click()
    sized.wait_for_function("() => document.querySelector('#upload-report textarea').value.includes('已加入索引')")
    sized.locator("#documents").filter(has_text=title).wait_for()
    sized.reload(wait_until="domcontentloaded")
    sized.locator("#documents").filter(has_text=title).wait_for()  # the table as the index is now
    _screenshot(sized, "4_admin")

    sized.goto(server.url, wait_until="domcontentloaded")
    files = _options(sized, "filter-docs")
    assert any(label.startswith(title) for label in files), files
    assert not any(label.endswith(".txt") for label in files)
    documents = httpx.get(f"{server.url}/api/documents", timeout=30).json()["documents"]
    assert len(files) == len(documents)
    assert _options(sized, "filter-year") != ["全部年份", "2023"]
    _choose(sized, "filter-region", "四川省宜宾市高县")
    sized.wait_for_timeout(500)  # the year list follows the region
    assert _options(sized, "filter-year") == ["全部年份", "2023"]
    _choose(sized, "filter-docs", next(label for label in files if "广元市" in label))
    _ask(sized, "政务新媒体由谁负责", "没有同时符合筛选条件")
    answer = sized.locator("#chat .bot, #chat [data-testid='bot']").last.inner_text()
    assert "四川省宜宾市高县" in answer and "请放宽" in answer
    _screenshot(sized, "4_no_match")


def _feedback(server: Server) -> list[dict]:
    exported = httpx.get(f"{server.url}/api/feedback/export", headers=ADMIN, timeout=30).text
    return [json.loads(line) for line in exported.splitlines() if line]


def test_one_feedback_control_per_answer_idempotent_storing_what_was_seen(sized: object, server: Server) -> None:
    """👎 twice then 👍 under one answer: one row, 👍; in operator mode the concise line is what is stored."""
    tag = f"反馈{sized.viewport_size['width']}-{time.monotonic_ns()}"  # this run's rows only
    assert sized.locator("#feedback-up, #feedback-down").count() == 0  # the chat's thumbs are the one control
    _ask(sized, "政务新媒体季度抽查比例不低于多少", "抽查")
    sized.locator("#feedback-comment textarea").fill(tag)
    sized.locator("#chat button[aria-label='踩']").last.click()
    sized.locator("#feedback-status").filter(has_text="已记录👎").wait_for()
    sized.locator("#chat button[aria-label='已踩']").last.click()  # the second 踩 un-marks it
    sized.locator("#chat button[aria-label='踩']").last.wait_for()
    sized.locator("#chat button[aria-label='赞']").last.click()
    sized.locator("#feedback-status").filter(has_text="已记录👍").wait_for()
    _screenshot(sized, "5_feedback")
    mine = [r for r in _feedback(server) if r["comment"] == tag]
    assert [r["rating"] for r in mine] == ["up"], mine

    sized.locator("#concise-mode input").check()
    _ask(sized, "那高县呢？", "高县（2023）")
    concise = sized.locator("#concise textarea").input_value()
    sized.locator("#feedback-comment textarea").fill(tag + "简洁")
    sized.locator("#chat button[aria-label='踩']").last.click()
    sized.locator("#feedback-status").filter(has_text="已记录👎").wait_for()
    seen = [r for r in _feedback(server) if r["comment"] == tag + "简洁"]
    assert len(seen) == 1 and seen[0]["answer"] == concise and concise.startswith("高县（2023）")


def test_operator_mode_puts_the_concise_line_and_its_copy_button_by_the_answer(sized: object) -> None:
    """On a phone the input is in view on load and the targets are at least 40 px; the copy button copies the
    concise line, which sits right under the chat."""
    phone = sized.viewport_size["width"] < 800
    if phone:
        assert _in_view(sized, "#question textarea", 0), sized.locator("#question textarea").bounding_box()
        _screenshot(sized, "6_phone_on_load")
    sized.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sized.url.rstrip("/"))
    sized.locator("#concise-mode input").check()
    _ask(sized, "政务新媒体由谁负责", "高县（2023）")
    concise = sized.locator("#concise textarea")
    line = concise.input_value()
    assert line.splitlines()[-1].startswith("高县（2023）：牵头单位：县政府办公室")
    chat, box = sized.locator("#chat").bounding_box(), sized.locator("#concise").bounding_box()
    assert 0 <= box["y"] - (chat["y"] + chat["height"]) < 40  # next to the answer, not below the examples
    copy = sized.locator("#concise button").first
    copy.scroll_into_view_if_needed()
    copy.click()
    assert sized.evaluate("navigator.clipboard.readText()") == line
    if phone:
        targets = sized.locator("#chat button, #concise button, #ask, #clear").evaluate_all(
            "buttons => buttons.filter(b => b.checkVisibility()).map(b => [b.getAttribute('aria-label') || b.innerText,"
            " b.getBoundingClientRect().width, b.getBoundingClientRect().height])"
        )
        small = [target for target in targets if min(target[1], target[2]) < 40]
        assert targets and not small, small
    _screenshot(sized, "6_operator")


def test_a_long_paste_is_counted_kept_whole_and_its_question_asked(sized: object) -> None:
    """A 600-character paste ending in a question: the counter says so, nothing is cut, the question is asked."""
    notice = next(CORPUS.glob("达州市*.txt")).read_text(encoding="utf-8")[:600]
    pasted = f"{notice}\n请问高县政务新媒体由谁负责？"
    box = sized.locator("#question textarea")
    box.fill(pasted)
    count = sized.locator("#question-count")
    count.filter(has_text=f"{len(pasted)} 字").wait_for()
    assert "提取问题" in count.inner_text() and box.input_value() == pasted  # counted, not cut
    _screenshot(sized, "7_counter")
    box.press("Enter")
    sized.locator("#chat .bot, #chat [data-testid='bot']").filter(has_text="县政府办公室").last.wait_for()
    asked = sized.locator("#chat .user, #chat [data-testid='user']").last.inner_text()
    assert "请问高县政务新媒体由谁负责" in asked and f"从粘贴的 {len(pasted)} 字中提取" in asked
    assert "高县（2023）" in sized.locator("#chat .bot, #chat [data-testid='bot']").last.inner_text()
    count.filter(has_text="0 /").wait_for()  # the box is emptied for the next question
    _screenshot(sized, "7_answer")


BOT = "#chat .bot, #chat [data-testid='bot']"


def _open_history(page: object) -> object:
    """The 历史对话 list, opened; returns its options (one label per past conversation)."""
    if not page.locator("#conversations").is_visible():
        page.locator("#history").get_by_text("历史对话", exact=True).click()
    page.locator("#conversations").wait_for()
    return page.locator("#conversations label")


def test_conversations_survive_a_reload_and_are_listed_per_browser(sized: object, browser: object) -> None:
    """Points 4, 5 and 10: the example asked first is answered; 政府的公众号归谁管？ → 那高县呢？ → (reload) →
    什么时候完成？ gives 高县's unit, then its deadline for the same task, each with 理解为; past conversations are
    listed, opened and deleted, and another browser sees none of them."""
    assert sized.get_by_role("button", name="那高县呢？").count() == 0  # no example that needs a turn before it
    sized.get_by_role("button", name="高县政务新媒体由谁负责", exact=True).click()
    sized.wait_for_function("() => document.querySelector('#question textarea').value === '高县政务新媒体由谁负责'")
    sized.locator("#question textarea").press("Enter")
    sized.locator(BOT).filter(has_text="县政府办公室").last.wait_for()
    assert "摘录" in sized.locator(f"{BOT} .answer-mode").last.inner_text()  # point 11's label, here extractive
    _open_history(sized)
    sized.locator("#new-chat").click()
    sized.wait_for_function(f'() => document.querySelectorAll("{BOT}").length === 0')

    _ask(sized, "政府的公众号归谁管？", "县政府办公室")
    _ask(sized, "那高县呢？", "理解为：高县")
    second = sized.locator(BOT).last.inner_text()
    assert "高县（2023）" in second and "县政府办公室" in second and "达州" not in second
    sized.reload(wait_until="domcontentloaded")
    sized.locator(BOT).filter(has_text="理解为：高县").last.wait_for()  # the conversation is back, sources too
    sized.locator("#sources .citation").first.wait_for()
    _screenshot(sized, "10_restored")
    _ask(sized, "什么时候完成？", "理解为：高县")
    third = sized.locator(BOT).last.inner_text()
    assert "高县（2023）" in third and "完成时限" in third and "达州" not in third, third

    listed = _open_history(sized)
    assert listed.first.inner_text().split(" ", 2)[2].startswith("政府的公众号归谁管？（3 问）")
    assert (
        listed.count() == 2
        and "政府的公众号归谁管" in listed.first.inner_text()
        and "（3 问）" in listed.first.inner_text()
    )
    _screenshot(sized, "10_history")
    listed.nth(1).click()  # the example's conversation
    sized.wait_for_function("() => !document.querySelector('#chat').innerText.includes('政府的公众号归谁管')")
    assert "高县政务新媒体由谁负责" in sized.locator("#chat").inner_text()
    sized.locator("#delete-chat").click()
    sized.wait_for_function("() => document.querySelectorAll('#conversations label').length === 1")
    assert sized.locator(BOT).count() == 0

    other = browser.new_context(viewport=sized.viewport_size, locale="zh-CN")  # another browser: nothing of this
    try:
        stranger = other.new_page()
        stranger.goto(sized.url, wait_until="domcontentloaded")
        stranger.locator("#question textarea").wait_for()
        stranger.wait_for_timeout(1000)  # the page's load event has restored what this browser keeps
        assert _open_history(stranger).count() == 0 and stranger.locator(BOT).count() == 0
    finally:
        other.close()
    _open_history(sized)
    sized.locator("#delete-all").click()  # a shared machine at the end of a shift
    sized.wait_for_function("() => document.querySelectorAll('#conversations label').length === 0")


def test_hit_testing_page_shows_each_legs_scores_ranks_and_the_decision(sized: object, server: Server) -> None:
    """Point 12: 命中测试 on the admin page (behind its login): ranked passages with BM25 and dense scores and
    ranks, the decision and why, and the answer, in the mode chosen."""
    payload = {"data": ["政务新媒体由谁负责", "hybrid", 10, "", "", []]}
    refused = httpx.post(f"{server.url}/admin/gradio_api/call/hit_test", json=payload, timeout=30)
    assert refused.status_code == 401  # nothing without the admin login
    _admin_login(sized, server)
    sized.get_by_role("tab", name="命中测试").click()
    sized.locator("#hit-question textarea").fill("政务新媒体由谁负责")
    sized.locator("#hit-mode").get_by_label("BM25", exact=True).check()
    sized.locator("#hit-run").click()
    sized.locator("#hit-decision").filter(has_text="判定：作答").wait_for()
    # Ten passages: in bm25 mode the dense leg's score and rank are — in every row; in hybrid nearly all have both.
    dashes = "() => (document.querySelector('#hit-table').innerText.match(/—/g) || []).length"
    sized.wait_for_function(f"() => ({dashes})() >= 20")
    table = sized.locator("#hit-table").inner_text()
    assert "BM25 得分" in table and "向量排名" in table and "县" in sized.locator("#hit-answer").inner_text()
    sized.locator("#hit-mode").get_by_label("混合（BM25 + 向量）", exact=True).check()
    sized.locator("#hit-run").click()
    sized.wait_for_function(f"() => ({dashes})() < 10")
    assert "覆盖率" in sized.locator("#hit-decision").inner_text()
    _screenshot(sized, "12_hit_test")
    sized.locator("#hit-question textarea").fill("火星移民补贴标准是多少")
    sized.locator("#hit-run").click()
    sized.locator("#hit-decision").filter(has_text="判定：拒答").wait_for()
    assert "现有文件中未找到" in sized.locator("#hit-answer").inner_text()
    _screenshot(sized, "12_refusal")
