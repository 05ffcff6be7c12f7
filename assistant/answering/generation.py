"""Optional generated answers through an OpenAI-compatible chat endpoint, grounded in retrieved passages.

No model ships with the project, so generation is off unless an endpoint is configured. The
model sees only the retrieved passages, numbered; its ``[n]`` markers are checked afterwards
against what it was given, and any failure (network, HTTP error, a marker pointing nowhere,
an empty reply) falls back to the extractive answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from assistant.answering.answer import MARKER, Answer, Citation, jurisdiction_label, unsupported_markers
from assistant.answering.answerer import Answerer
from assistant.answering.conversation import Turn

SYSTEM_PROMPT = (
    "你是政府政策问答助手。只根据用户提供的编号资料回答，不要使用资料以外的知识。"
    "每句话后用[编号]标注出处；不同地区、年份的规定分别说明并注明是哪份文件。"
    "资料中没有答案时，回答“现有文件中未找到相关规定”。回答简洁，不超过200字。"
)


@dataclass(frozen=True)
class GenerationSettings:
    """Where the OpenAI-compatible endpoint is; read from the environment by ``from_env``."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 30.0
    max_sources: int = 6

    @classmethod
    def from_env(cls) -> GenerationSettings | None:
        """``POLICY_QA_LLM_BASE_URL`` and ``POLICY_QA_LLM_MODEL`` (and optionally ``POLICY_QA_LLM_API_KEY``)."""
        base_url, model = os.environ.get("POLICY_QA_LLM_BASE_URL"), os.environ.get("POLICY_QA_LLM_MODEL")
        if not base_url or not model:
            return None
        return cls(base_url.rstrip("/"), model, os.environ.get("POLICY_QA_LLM_API_KEY", ""))


class GeneratingAnswerer:
    """Streams a generated answer; ends with the validated Answer (or the extractive one on failure)."""

    def __init__(self, extractive: Answerer, settings: GenerationSettings) -> None:
        self.extractive = extractive
        self.settings = settings

    def stream(self, question: str, history: list[Turn] | None = None, **filters: object) -> Iterator[str | Answer]:
        """Yields text pieces as they arrive, then the final Answer as the last item."""
        fallback = self.extractive.answer(question, history, **filters)  # type: ignore[arg-type]
        if not fallback.answerable:
            yield fallback
            return
        hits = self.extractive.retriever.search(fallback.understood, self.settings.max_sources, **filters)  # type: ignore[arg-type]
        sources = [Citation(n, hit, "") for n, hit in enumerate(hits, start=1)]
        pieces: list[str] = []
        try:
            for piece in self._chat(fallback.understood, sources):
                pieces.append(piece)
                yield piece
        except (httpx.HTTPError, ValueError, KeyError) as error:
            fallback.message = f"（生成服务不可用：{error.__class__.__name__}，以下为原文摘录）" + (
                f"\n{fallback.message}" if fallback.message else ""
            )
            yield fallback
            return
        text = "".join(pieces).strip()
        used = sorted({int(n) for n in MARKER.findall(text)})
        if not text or not used or unsupported_markers(text, sources):
            fallback.message = "（生成的回答引用无法核实，以下为原文摘录）" + (
                f"\n{fallback.message}" if fallback.message else ""
            )
            yield fallback
            return
        cited = [citation for citation in sources if citation.n in used]
        yield Answer(
            fallback.question, fallback.understood, fallback.intent, True, citations=cited, message=text, generated=True
        )

    def _chat(self, question: str, sources: list[Citation]) -> Iterator[str]:
        context = "\n\n".join(
            f"[{c.n}] {jurisdiction_label(c.hit.meta)}《{c.hit.meta.title}》{c.hit.passage.section_path}\n"
            f"{c.hit.passage.text}"
            for c in sources
        )
        body = {
            "model": self.settings.model,
            "stream": True,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"资料：\n{context}\n\n问题：{question}"},
            ],
        }
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        with httpx.stream(
            "POST",
            f"{self.settings.base_url}/chat/completions",
            json=body,
            headers=headers,
            timeout=self.settings.timeout,
        ) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                delta = json.loads(data)["choices"][0].get("delta", {})
                if delta.get("content"):
                    yield delta["content"]
