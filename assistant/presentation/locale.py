"""The pages in Chinese whatever the browser's language: Gradio's own strings follow ``navigator.language``.

Gradio translates its built-in strings ("Drop File Here", "Warning", the chat's Copy/Like/Dislike) by the
browser's language, and its custom translations cannot override the built-in English ones. A hotline PC
set to English would show an English-and-Chinese page, so the pages' HTML gets, before Gradio's scripts,
a script pinning the language Gradio reads to ``zh-CN``; CHINESE_JS replaces the few strings Gradio
hard-codes in English.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

LOCALE = "zh-CN"
PIN_SCRIPT = (
    f"<script>for (const [name, value] of [['language', '{LOCALE}'], ['languages', ['{LOCALE}', 'zh']]])"
    " Object.defineProperty(navigator, name, {get: () => value, configurable: true});</script>"
).encode()

# Gradio's strings that no translation reaches (toast titles, some tooltips), replaced in the page as they appear.
CHINESE_JS = (Path(__file__).parent / "static" / "chinese.js").read_text(encoding="utf-8")


class ChineseLocale:
    """ASGI middleware: the HTML served at ``paths`` (Gradio's pages) gets PIN_SCRIPT right after ``<head>``."""

    def __init__(self, app: ASGIApp, paths: tuple[str, ...]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await _send_page(send, start, b"".join(body))

        await self.app(scope, receive, buffered)


async def _send_page(send: Callable, start: Message, page: bytes) -> None:
    """The page with the script in its head (an HTML page only), its Content-Length set to match."""
    headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
    is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)
    if is_html and b"<head>" in page:
        page = page.replace(b"<head>", b"<head>" + PIN_SCRIPT, 1)
    headers.append((b"content-length", str(len(page)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": page})
