"""A real HTTP server on loopback that speaks the OpenAI chat-completions API (streamed), for generation tests.

``FakeChat.reply`` chooses what it answers: ``grounded`` (cites [1]), ``partly`` ([1] and a [42] that points
nowhere), ``unsupported`` (only [42]), ``error`` (HTTP 500), ``garbage`` (a stream that is not JSON) or ``slow``
(nothing for longer than any test's timeout). The reply quotes the first passage it was given, in pieces sent
``FakeChat.pause`` seconds apart, so a client that shows them as they come can be seen doing so.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

PIECES = 6
SLOW_SECONDS = 5


class FakeChat(BaseHTTPRequestHandler):
    reply: ClassVar[str] = "grounded"
    pause: ClassVar[float] = 0.0
    requests: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append(body)
        if FakeChat.reply == "error":
            self.send_response(500)
            self.end_headers()
            return
        if FakeChat.reply == "slow":
            time.sleep(SLOW_SECONDS)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if FakeChat.reply == "garbage":
            self.wfile.write(b"data: <html>Bad Gateway</html>\n\n")
            return
        first_line = body["messages"][1]["content"].split("\n")[2]  # the first passage's text
        markers = {"grounded": "[1]", "partly": "[1][42]", "unsupported": "[42]"}.get(FakeChat.reply, "[1]")
        text = f"根据资料，{first_line[:20]}{markers}。"
        size = -(-len(text) // PIECES)
        for start in range(0, len(text), size):
            chunk = {"choices": [{"delta": {"content": text[start : start + size]}, "index": 0}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
            time.sleep(FakeChat.pause)
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def fake_llm() -> Iterator[str]:
    """The server's base URL (``…/v1``), for ``POLICY_QA_LLM_BASE_URL``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
