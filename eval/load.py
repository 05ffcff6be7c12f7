"""`python -m eval load`: the real app on loopback under concurrent clients, with an index update mid-run.

Starts ``app.py`` on copies of the corpus and index (nothing in the repository changes), runs N clients that
each send one ``/api/ask`` after another for a bounded time, and halfway through uploads a new document
through ``POST /api/documents`` (an index update while serving). Reports errors, latency percentiles,
throughput, the server's memory over the run, and whether answers stayed consistent across the update.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from assistant.engine import DEFAULT_INDEX, PROJECT_ROOT
from assistant.presentation.access import (
    AUTH_FILE,
    ENV_ADMIN_TOKEN,
    ENV_AUTH_FILE,
    Scope,
    hash_token,
    new_token,
    write_auth_file,
)
from eval import metrics
from eval.labelled import QUESTIONS, load_questions

RESULTS = PROJECT_ROOT / "eval" / "results"
START_TIMEOUT = 600  # seconds: the app may have to build its index first
# Memory is "stable" when it grows less than this over the second half of the run (after warm-up and update).
MAX_RSS_GROWTH = 0.10
NEW_NAME = "压测县_2024年数据开放工作要点.txt"
NEW_DOCUMENT = (
    "压测县人民政府办公室关于印发《2024年压测县数据开放工作要点》的通知\n\n"
    "一、加强数据开放平台建设\n"
    "（一）数据开放平台由县大数据中心负责运维，每季度更新一次开放目录。\n"
    "（二）公共数据开放清单由县发展改革局牵头编制，2024年9月底前完成。\n"
)
NEW_QUESTION = "压测县数据开放平台由谁负责运维"
ADMIN_TOKEN, ASKER_TOKEN = new_token(), new_token()
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ASKER = {"Authorization": f"Bearer {ASKER_TOKEN}"}


@dataclass
class Request:
    started: float  # seconds since the run began
    latency_ms: float
    status: int
    question: str
    answer: str = ""  # what was answered (see ``_answered``)
    doc_ids: tuple[str, ...] = ()


@dataclass
class Run:
    requests: list[Request] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds, KiB)
    update: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients run (default 60)")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index to copy for the server")
    parser.add_argument("--no-update", action="store_true", help="no document upload halfway through")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for load.md and load.json")


def run_cli(args: argparse.Namespace) -> int:
    summary = run_load(args.corpus, args.index, args.clients, args.seconds, not args.no_update)
    print_summary(summary)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    (args.out / "load.md").write_text(markdown(summary), encoding="utf-8")
    print(f"report: {args.out / 'load.md'}, {args.out / 'load.json'}")
    return 0 if summary["ok"] else 1


def run_load(corpus: Path, index: Path, clients: int, seconds: float, update: bool = True) -> dict:
    questions = [q.question for q in load_questions(QUESTIONS)]
    with tempfile.TemporaryDirectory(prefix="policy-qa-load-") as folder:
        base = Path(folder)
        shutil.copytree(corpus, base / "corpus")
        _write_credentials(base / "data")
        if (index / "CURRENT").is_file():
            shutil.copytree(index, base / "index")
        with _server(base) as (url, pid):
            run = Run()
            _warm_up(url, questions)
            began = time.monotonic()
            stop = threading.Event()
            sampler = threading.Thread(target=_sample_rss, args=(pid, run, began, stop), daemon=True)
            sampler.start()
            workers = [
                threading.Thread(target=_client, args=(url, questions, number, clients, run, began, seconds))
                for number in range(clients)
            ]
            for worker in workers:
                worker.start()
            if update:
                time.sleep(seconds / 2)
                _update(url, base, run, began)
            for worker in workers:
                worker.join()
            stop.set()
            sampler.join()
            new_answer = httpx.post(
                f"{url}/api/ask", json={"question": NEW_QUESTION}, headers=ASKER, timeout=120
            ).json()
    return _summarise(run, clients, seconds, update, new_answer)


def _write_credentials(data_dir: Path) -> None:
    """An admin token and a hotline token (ask, search) for this run only, stored hashed as the CLI stores them."""
    tokens = [
        {"name": "load-admin", "sha256": hash_token(ADMIN_TOKEN), "scopes": [scope.value for scope in Scope]},
        {"name": "load-hotline", "sha256": hash_token(ASKER_TOKEN), "scopes": [Scope.ASK.value, Scope.SEARCH.value]},
    ]
    write_auth_file(data_dir / AUTH_FILE, {"tokens": tokens})


@contextmanager
def _server(base: Path) -> Iterator[tuple[str, int]]:
    """``app.py`` on a free loopback port with the credentials in ``base/data``, yielding (url, pid)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(PROJECT_ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--corpus", str(base / "corpus"), "--index", str(base / "index"), "--data", str(base / "data")]
    command += ["--require-token"]  # auth on: askers carry a hotline token, the upload an admin token
    command += ["--rate-limit", "0"]  # every client is on loopback: one address, which the limit would throttle
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop(ENV_ADMIN_TOKEN, None)
    env.pop(ENV_AUTH_FILE, None)
    with (base / "app.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not serve:\n{(base / 'app.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/documents", headers=ASKER, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _warm_up(url: str, questions: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=120, headers=ASKER) as client:
        for question in questions[:3]:
            client.post("/api/ask", json={"question": question})


def _client(url: str, questions: list[str], number: int, clients: int, run: Run, began: float, seconds: float) -> None:
    """One user: question after question (each client its own slice of the set), until the time is up."""
    position = number * len(questions) // clients
    with httpx.Client(base_url=url, timeout=120, headers=ASKER) as client:
        while (started := time.monotonic() - began) < seconds:
            question = questions[position % len(questions)]
            position += 1
            try:
                response = client.post("/api/ask", json={"question": question})
                status = response.status_code
                body = response.json() if status == 200 else {}
            except httpx.HTTPError:
                status, body = 0, {}
            latency = (time.monotonic() - began - started) * 1000
            doc_ids = tuple(sorted({c["doc_id"] for c in body.get("citations", [])}))
            request = Request(started, latency, status, question, _answered(body), doc_ids)
            with run.lock:
                run.requests.append(request)


def _update(url: str, base: Path, run: Run, began: float) -> None:
    """Upload a new document while the clients keep asking: the server indexes it and swaps the index in."""
    source = base / NEW_NAME
    source.write_text(NEW_DOCUMENT, encoding="utf-8")
    started = time.monotonic() - began
    with source.open("rb") as handle:
        response = httpx.post(f"{url}/api/documents", files={"files": (NEW_NAME, handle)}, headers=ADMIN, timeout=600)
    run.update = {
        "started_s": round(started, 2),
        "finished_s": round(time.monotonic() - began, 2),
        "status": response.status_code,
        "added": response.json().get("added", []) if response.status_code == 200 else [],
    }


def _answered(body: dict) -> str:
    """What an answer says and cites, to compare across the update: refused or not, its lines, the spans cited.

    A refusal's message lists the jurisdictions the corpus covers, which the new document rightly extends; it
    is not part of what was answered.
    """
    lines = [line["text"] for line in body.get("lines", [])]
    cited = [(c["doc_id"], c["start"], c["end"]) for c in body.get("citations", [])]
    return json.dumps([body.get("answerable"), lines, cited], ensure_ascii=False)


def _sample_rss(pid: int, run: Run, began: float, stop: threading.Event) -> None:
    while not stop.is_set():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                run.rss.append((time.monotonic() - began, int(line.split()[1])))
        stop.wait(1.0)


def _summarise(run: Run, clients: int, seconds: float, update: bool, new_answer: dict) -> dict:
    requests = sorted(run.requests, key=lambda request: request.started)
    latencies = [request.latency_ms for request in requests]
    errors = [request for request in requests if request.status != 200]
    rss = [kib for _, kib in run.rss]
    start, middle, end = rss[0], rss[len(rss) // 2], rss[-1]
    growth = (end - middle) / middle
    # The new document is about a topic no labelled question asks: every other answer should not change.
    answers: dict[str, set[str]] = {}
    for request in requests:
        if request.status == 200:
            answers.setdefault(request.question, set()).add(request.answer)
    changed = sorted(question for question, texts in answers.items() if len(texts) > 1)
    new_doc_id = NEW_NAME.removesuffix(".txt")
    cited_new = sum(new_doc_id in request.doc_ids for request in requests)
    update_ok = not update or (run.update.get("added") == [NEW_NAME] and new_doc_id in _cited(new_answer))
    summary = {
        "clients": clients,
        "seconds": seconds,
        "requests": len(requests),
        "errors": len(errors),
        "error_statuses": sorted({request.status for request in errors}),
        "throughput_per_s": len(requests) / seconds,
        "latency_ms": {f"p{q}": metrics.percentile(latencies, q) for q in (50, 95, 99)} if latencies else {},
        "latency_max_ms": max(latencies, default=0.0),
        "rss_mb": {"start": start / 1024, "middle": middle / 1024, "end": end / 1024, "peak": max(rss) / 1024},
        "rss_growth_second_half": growth,
        "update": run.update,
        "questions": len(answers),
        "answers_changed_across_update": changed,
        "requests_citing_new_document": cited_new,
        "new_document_answer": new_answer.get("answer", ""),
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
    }
    summary["ok"] = bool(requests) and not errors and growth < MAX_RSS_GROWTH and not changed and update_ok
    return summary


def _cited(answer: dict) -> set[str]:
    return {citation["doc_id"] for citation in answer.get("citations", [])}


def print_summary(summary: dict) -> None:
    latency = summary["latency_ms"]
    rss = summary["rss_mb"]
    print(
        f"{summary['clients']} clients for {summary['seconds']:.0f} s: {summary['requests']} requests, "
        f"{summary['errors']} errors, {summary['throughput_per_s']:.1f} requests/s\n"
        f"latency ms: p50 {latency.get('p50', 0):.0f}, p95 {latency.get('p95', 0):.0f}, "
        f"p99 {latency.get('p99', 0):.0f}, max {summary['latency_max_ms']:.0f}\n"
        f"server RSS MB: start {rss['start']:.0f}, middle {rss['middle']:.0f}, end {rss['end']:.0f}, "
        f"peak {rss['peak']:.0f} (second-half growth {summary['rss_growth_second_half']:+.1%})"
    )
    if summary["update"]:
        update = summary["update"]
        print(
            f"index update while serving: upload at {update['started_s']} s, done at {update['finished_s']} s "
            f"(status {update['status']}, added {update['added']}); answers changed across it: "
            f"{len(summary['answers_changed_across_update'])} of {summary['questions']} questions; "
            f"new document answer: {summary['new_document_answer'][:60]}"
        )
    print("OK" if summary["ok"] else "FAILED: errors, memory growth, changed answers or a failed update")


def markdown(summary: dict) -> str:
    latency = summary["latency_ms"]
    rss = summary["rss_mb"]
    update = summary["update"]
    rows = [
        ("clients × duration", f"{summary['clients']} × {summary['seconds']:.0f} s"),
        ("requests (errors)", f"{summary['requests']} ({summary['errors']})"),
        ("throughput", f"{summary['throughput_per_s']:.1f} requests/s"),
        (
            "latency p50 / p95 / p99 / max",
            " / ".join(f"{latency.get(k, 0):.0f}" for k in ("p50", "p95", "p99"))
            + f" / {summary['latency_max_ms']:.0f} ms",
        ),
        (
            "server RSS start / middle / end / peak",
            f"{rss['start']:.0f} / {rss['middle']:.0f} / {rss['end']:.0f} / "
            f"{rss['peak']:.0f} MB (second half {summary['rss_growth_second_half']:+.1%})",
        ),
        (
            "index update while serving",
            f"{update.get('started_s')} s → {update.get('finished_s')} s, "
            f"status {update.get('status')}, added {update.get('added')}"
            if update
            else "not run",
        ),
        (
            "answers changed across the update",
            f"{len(summary['answers_changed_across_update'])} of {summary['questions']} questions",
        ),
        ("new document answered after the update", summary["new_document_answer"][:80].replace("|", "｜")),
        ("machine", f"{summary['cpu_count']} CPUs, load average {summary['load_average_at_end']:.1f} at the end"),
        ("verdict", "OK" if summary["ok"] else "FAILED"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    command, upload = (
        "python -m eval load",
        (", and a document uploaded through `POST /api/documents` halfway (indexed and swapped in while serving)"),
    )
    if not update:
        command, upload = command + " --no-update", ""
    return (
        f"# Load test: `{command}`\n\n"
        f"The real `app.py` on loopback and concurrent clients posting the labelled questions to `/api/ask`{upload}."
        f"\n\n| measure | value |\n| --- | --- |\n{table}\n"
    )
