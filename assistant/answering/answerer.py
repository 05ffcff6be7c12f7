"""The extractive answerer: short answers per jurisdiction, every line cited, or an honest refusal."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.answering.answer import Answer, AnswerLine, Citation, jurisdiction_label, unsupported_markers
from assistant.answering.conversation import Turn, resolve_follow_up
from assistant.answering.coverage import coverage
from assistant.answering.extraction import Extract, extract
from assistant.retrieval.hit import Hit
from assistant.retrieval.intent import INTENT_PATTERNS, WHAT, detect_intent
from assistant.retrieval.question import QuestionError, normalize_question
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.scope import region_aliases, unknown_places

NOT_FOUND = "现有文件中未找到"
RARITY_CACHE_SIZE = 10_000
_ASKING = re.compile(r"负责|管理|是|的|吗|呢|要|由")


@dataclass(frozen=True)
class AnswerSettings:
    """Calibrated on eval/questions.jsonl (see eval/README.md for refusal recall and false refusals)."""

    k: int = 10
    max_jurisdictions: int = 5
    jurisdiction_ratio: float = 0.8  # another jurisdiction is answered when its best hit scores this close
    min_coverage: float = 0.25  # rarity-weighted share of the question's content words in the best passages


class Answerer:
    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        self._rarity_store: object = None
        self._rarity_cache: dict[str, float] = {}

    @property
    def _tokenize(self):
        return self.retriever.store.lexical.tokenizer.tokenize

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
    ) -> Answer:
        """Answer one question of a conversation; ``history`` holds the turns before it."""
        try:
            asked = normalize_question(question)
        except QuestionError as error:
            return Answer(question, "", WHAT, False, message=str(error))
        documents = self.retriever.store.documents
        place_names = sorted({name for meta in documents.values() for names in region_aliases(meta) for name in names})
        resolved = resolve_follow_up(asked, history or [], place_names)
        intent = detect_intent(resolved)
        scope = self.retriever.scope(resolved, region, year, doc_ids)
        unknown = unknown_places(resolved, documents) if not region and not scope.regions else []
        if unknown or scope.unmatched:
            hits = self.retriever.search(resolved, self.settings.k, scope=scope) if scope.unmatched else []
            what = "、".join(unknown) or scope.unmatched
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}{what}的文件。", hits)
        hits = self.retriever.search(resolved, self.settings.k, scope=scope)
        if not hits or not self._answerable(resolved, hits):
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}能回答这个问题的内容。", hits)
        return self._compose(
            asked, resolved, intent, hits, single=scope.doc_ids is not None and len(scope.doc_ids) == 1
        )

    def turn(self, answer: Answer) -> Turn:
        """What a follow-up needs to remember of this answer."""
        regions = tuple(dict.fromkeys(citation.hit.meta.region for citation in answer.citations))
        named = [
            name
            for meta in self.retriever.store.documents.values()
            for names in region_aliases(meta)
            for name in names
            if name in answer.understood
        ]
        topic = answer.understood
        for _, pattern in INTENT_PATTERNS:
            topic = pattern.sub("", topic)
        topic = _ASKING.sub("", topic)
        for name in sorted(named, key=len, reverse=True):
            topic = topic.replace(name, "")
        topic = topic.strip("？?。 ")
        return Turn(answer.understood, tuple(dict.fromkeys(named)) if len(regions) == 1 else (), topic)

    def _overlap(self, question_tokens: set[str]):
        def score(text: str) -> float:
            tokens = set(self._tokenize(text))
            return len(tokens & question_tokens) / (len(question_tokens) or 1)

        return score

    def _answerable(self, question: str, hits: list[Hit]) -> bool:
        """Enough of what the question is about stands in the best passages (see coverage.py)."""
        found, _ = coverage(question, hits, self.retriever.store.lexical.tokenizer, self._rarity)
        return found >= self.settings.min_coverage

    def _rarity(self, word: str) -> float:
        """Inverse document frequency of a word as a substring of the passages (cached per store)."""
        store = self.retriever.store
        if self._rarity_store is not store:
            self._rarity_store, self._rarity_cache = store, {}
        if word not in self._rarity_cache:
            if len(self._rarity_cache) > RARITY_CACHE_SIZE:
                self._rarity_cache.clear()
            frequency = sum(word in passage.text for passage in store.passages)
            self._rarity_cache[word] = math.log((len(store.passages) + 1) / (frequency + 0.5))
        return self._rarity_cache[word]

    def _compose(self, asked: str, resolved: str, intent: str, hits: list[Hit], single: bool) -> Answer:
        overlap = self._overlap(set(self._tokenize(resolved)))
        by_document: dict[str, list[Hit]] = {}
        for hit in hits:
            by_document.setdefault(hit.passage.doc_id, []).append(hit)
        top_score = hits[0].score
        chosen = [
            doc
            for doc, doc_hits in by_document.items()
            if doc_hits[0].score >= self.settings.jurisdiction_ratio * top_score
        ]
        chosen = chosen[:1] if single else chosen[: self.settings.max_jurisdictions]
        answer = Answer(asked, resolved, intent, True)
        for doc in chosen:
            found = self._extract_for(doc, by_document[doc], resolved, intent, overlap)
            if found is None:
                continue
            hit, extracted = found
            citation = Citation(len(answer.citations) + 1, hit, extracted.evidence)
            answer.citations.append(citation)
            answer.lines.append(AnswerLine(jurisdiction_label(hit), extracted.text, [citation.n]))
        if not answer.lines:
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}能回答这个问题的内容。", hits)
        if resolved != asked:
            answer.message = f"（理解为：{resolved}）"
        assert not unsupported_markers(answer.text, answer.citations), "every marker must point to a citation"
        return answer

    def _extract_for(
        self, doc: str, hits: list[Hit], question: str, intent: str, overlap
    ) -> tuple[Hit, Extract] | None:
        """The answer from one document: its own hits first, then a deeper search in it, then its best sentence."""
        found = _first(hits, intent, overlap, strict=True)
        if found is None and intent != WHAT:
            # The few hits this document had hold no unit/deadline/figure: look deeper in it.
            deeper = self.retriever.search(question, self.settings.k, doc_ids=[doc])
            found = _first(deeper, intent, overlap, strict=True) or _first(hits, intent, overlap, strict=False)
        if found is None and hits and (extracted := extract(hits[0].passage, WHAT, overlap)):
            found = hits[0], extracted
        return found

    def _refuse(self, asked: str, resolved: str, intent: str, message: str, hits: list[Hit]) -> Answer:
        topics = list(
            dict.fromkeys(
                f"{jurisdiction_label(hit)}：{hit.passage.section[-1]}" for hit in hits[:5] if hit.passage.section
            )
        )[:3]
        if topics:
            message += "现有文件涉及的相近内容有：" + "；".join(topics) + "。"
        return Answer(asked, resolved, intent, False, message=message, nearest_topics=topics)


def _first(hits: list[Hit], intent: str, overlap, strict: bool) -> tuple[Hit, Extract] | None:
    """The best-ranked hit that holds this kind of answer."""
    for hit in hits:
        extracted = extract(hit.passage, intent, overlap, strict)
        if extracted is not None:
            return hit, extracted
    return None
