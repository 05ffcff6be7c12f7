"""Optional generated answers through an OpenAI-compatible chat endpoint, grounded in retrieved passages.

No model ships with the project, so generation is off unless an endpoint is configured. The model sees only
the passages the extractive answer cited (the follow-up logic chose them) and the next-ranked ones, numbered;
its reply is streamed piece by piece as the endpoint sends it. Its ``[n]`` markers are checked afterwards
against what it was given: a marker pointing nowhere is removed and said so; a reply with no valid marker left,
an empty or unreadable reply, an HTTP error or a timeout falls back to the extractive answer, saying why.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from assistant.answering.answer import MARKER, Answer, Citation, jurisdiction_label
from assistant.answering.answerer import Answerer
from assistant.answering.conversation import Turn

SYSTEM_PROMPT = (
    "你是政府政策问答助手。只根据用户提供的编号资料回答，不要使用资料以外的知识。"
    "每句话后用[编号]标注出处；不同地区、年份的规定分别说明并注明是哪份文件。"
    "资料中没有答案时，回答“现有文件中未找到相关规定”。回答简洁，不超过200字。"
)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([，。；、！？])")


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
        """``POLICY_QA_LLM_BASE_URL`` and ``POLICY_QA_LLM_MODEL`` (optionally ``POLICY_QA_LLM_API_KEY`` and
        ``POLICY_QA_LLM_TIMEOUT``, seconds)."""
        base_url, model = os.environ.get("POLICY_QA_LLM_BASE_URL"), os.environ.get("POLICY_QA_LLM_MODEL")
        if not base_url or not model:
            return None
        timeout = float(os.environ.get("POLICY_QA_LLM_TIMEOUT") or cls.timeout)
        return cls(base_url.rstrip("/"), model, os.environ.get("POLICY_QA_LLM_API_KEY", ""), timeout)


class GenerationFailed(Exception):
    """The endpoint's reply could not be used; the message says why, in Chinese."""


class GeneratingAnswerer:
    """Streams a generated answer; ends with the validated Answer (or the extractive one on failure)."""

    def __init__(self, extractive: Answerer, settings: GenerationSettings) -> None:
        self.extractive = extractive
        self.settings = settings

    def stream(self, question: str, history: list[Turn] | None = None, **filters: object) -> Iterator[str | Answer]:
        """Yields text pieces as they arrive, then the final Answer as the last item."""
        yield from self.generate(self.extractive.answer(question, history, **filters), **filters)  # type: ignore[arg-type]

    def generate(self, extractive: Answer, **filters: object) -> Iterator[str | Answer]:
        """A generated answer to the question ``extractive`` answered (or refused: then ``extractive`` itself)."""
        if not extractive.answerable:
            yield extractive
            return
        sources = self._sources(extractive, filters)
        pieces: list[str] = []
        try:
            for piece in self._chat(extractive.understood, sources):
                pieces.append(piece)
                yield piece
            yield self._validated(extractive, "".join(pieces), sources)
        except httpx.TimeoutException:
            yield _fallback(extractive, f"生成服务超时（{self.settings.timeout:g} 秒）")
        except httpx.HTTPStatusError as error:
            yield _fallback(extractive, f"生成服务出错（HTTP {error.response.status_code}）")
        except httpx.HTTPError as error:
            yield _fallback(extractive, f"生成服务不可用（{error.__class__.__name__}）")
        except GenerationFailed as error:
            yield _fallback(extractive, str(error))

    def _sources(self, extractive: Answer, filters: dict) -> list[Citation]:
        """The passages the extractive answer cites (numbered as it numbers them, evidence kept), then the
        next-ranked hits of its question up to ``max_sources``."""
        sources = list(extractive.citations)
        seen = {citation.hit.passage.passage_id for citation in sources}
        for hit in self.extractive.retriever.search(extractive.understood, self.settings.max_sources, **filters):
            if len(sources) >= self.settings.max_sources:
                break
            if hit.passage.passage_id not in seen:
                seen.add(hit.passage.passage_id)
                sources.append(Citation(len(sources) + 1, hit, ""))
        return sources

    def _validated(self, extractive: Answer, reply: str, sources: list[Citation]) -> Answer:
        """The reply with markers into ``sources`` only (any other removed, and said so), citing what it marks."""
        known = {citation.n for citation in sources}
        invalid = sorted({int(n) for n in MARKER.findall(reply)} - known)
        text = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in known else "", reply)
        text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text).strip()
        used = {int(n) for n in MARKER.findall(text)}
        if not text:
            raise GenerationFailed("生成的回答为空")
        if not used:
            raise GenerationFailed("生成的回答没有可核实的引用")
        notes = [extractive.message] if extractive.message.startswith("（理解为") else []
        if invalid:
            listed = "".join(f"[{n}]" for n in invalid)
            notes.append(f"（已删除 {len(invalid)} 个无法核实的引用标记：{listed}）")
        return Answer(
            extractive.question,
            extractive.understood,
            extractive.intent,
            True,
            citations=[citation for citation in sources if citation.n in used],
            message="".join(notes),
            generated=True,
            generated_text=text,
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
                try:
                    delta = json.loads(data)["choices"][0].get("delta") or {}
                    if not isinstance(delta, dict):
                        raise TypeError(delta)
                except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
                    raise GenerationFailed("生成服务的回复无法解读") from error
                if isinstance(delta.get("content"), str) and delta["content"]:
                    yield delta["content"]


def _fallback(extractive: Answer, why: str) -> Answer:
    """The extractive answer, saying why it is shown instead of a generated one."""
    extractive.fallback = why
    extractive.message = f"（{why}，以下为原文摘录）" + (f"\n{extractive.message}" if extractive.message else "")
    return extractive
