"""Parse untrusted files in a worker process with a time and memory limit.

A crafted PDF can send pypdf into unbounded recursion, deeply nested HTML makes parsing quadratic, and a
docx can unpack into gigabytes of XML. Run in the server's own process, such a file hangs it, kills it or
keeps its memory. Here each parse happens in a separate Python process (``python -m
assistant.loading.isolated``) that caps its own address space; the parent waits at most ``seconds`` for the
answer, and a worker that overran, crashed or grew large is killed and replaced. Every failure of any kind
is a ``DocumentError`` naming the file, so the caller refuses that one file and goes on.

The worker is kept between files (starting Python and the parsers costs about 0.9 s), so a build parses
its documents in one worker: ``with IsolatedParser() as parser: parser.load(path)``.
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from assistant.loading.errors import DocumentError


@dataclass(frozen=True)
class ParseLimits:
    """What one file may cost to parse. A real policy document parses in well under a second."""

    seconds: float = 60.0
    memory_bytes: int = 2 * 1024**3  # address space of the worker, interpreter included
    # A worker that has grown past this (a big but legitimate file) is replaced before the next file.
    recycle_rss_bytes: int = 512 * 1024**2


class IsolatedParser:
    """A reusable worker process that turns one file at a time into text (see the module docstring)."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # one request at a time per worker

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *_: object | type[BaseException] | TracebackType | None) -> None:
        self.close()

    def load(self, path: Path) -> str:
        """The file's text as ``load_file_in_process`` extracts it, or DocumentError with the reason."""
        with self._lock:
            process = self._worker()
            try:
                assert process.stdin is not None
                process.stdin.write(json.dumps({"path": str(Path(path).resolve())}).encode() + b"\n")
                process.stdin.flush()
                reply = self._read_reply(process, path)
            except (BrokenPipeError, OSError) as error:
                self._kill()
                raise DocumentError(path, f"the parser stopped unexpectedly ({error.__class__.__name__})") from error
            if _rss_bytes(process.pid) > self.limits.recycle_rss_bytes:
                self._kill()
        if "error" in reply:
            raise DocumentError(path, reply["error"])
        return reply["text"]

    def close(self) -> None:
        with self._lock:
            self._kill()

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "assistant.loading.isolated", str(self.limits.memory_bytes)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=Path(__file__).resolve().parents[2],
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            )
        return self._process

    def _read_reply(self, process: subprocess.Popen[bytes], path: Path) -> dict:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], self.limits.seconds)
        if not ready:
            self._kill()
            raise DocumentError(path, f"parsing took longer than {self.limits.seconds:.0f} s and was stopped")
        line = process.stdout.readline()
        if not line:
            self._kill()
            raise DocumentError(path, "the parser crashed on this file (over the memory limit, or malformed)")
        return json.loads(line)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            self._process = None


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _serve(memory_bytes: int) -> None:
    """The worker's loop: one JSON request per line in, one JSON reply per line out."""
    from assistant.loading import load_file_in_process  # imported before the memory cap, once

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    for line in sys.stdin.buffer:
        path = Path(json.loads(line)["path"])
        try:
            reply = {"text": load_file_in_process(path)}
        except DocumentError as error:
            reply = {"error": error.reason}
        except MemoryError:
            reply = {"error": "parsing needs more memory than allowed (the file may be a decompression bomb)"}
        except RecursionError:
            reply = {"error": "the file is nested too deeply to parse (a malformed or hostile file)"}
        except Exception as error:  # any parser bug is this file's problem, never the server's
            reply = {"error": f"unreadable file ({error.__class__.__name__}: {str(error)[:200]})"}
        sys.stdout.write(json.dumps(reply) + "\n")  # ASCII: a lone surrogate cannot break the pipe
        sys.stdout.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
