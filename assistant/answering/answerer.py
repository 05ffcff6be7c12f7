"""The extractive answerer: short answers per jurisdiction, every line cited, or an honest refusal."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.answer import (
    Answer,
    AnswerLine,
    Citation,
    Decision,
    jurisdiction_label,
    unsupported_markers,
)
from assistant.answering.answer_check import AnswerCheck, shipped_answer_check
from assistant.answering.conversation import Turn, has_topic, resolve_follow_up
from assistant.answering.coverage import (
    DETAIL_WORDS,
    SERVICE_WORDS,
    content_words,
    coverage,
    missing_details,
    official_terms,
)
from assistant.answering.extraction import Extract, extract
from assistant.answering.judge import Judge, Signals, log_score, shipped_judge
from assistant.answering.parts import Part, asking_clauses, question_parts
from assistant.answering.spans import find_spans, is_qualifier
from assistant.documents import APPARATUS, RECORD
from assistant.retrieval.hit import Hit
from assistant.retrieval.intent import INTENT_PATTERNS, WHAT, WHO, asks_about_document, detect_intent
from assistant.retrieval.question import QuestionError, normalize_question
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.scope import region_aliases, unknown_places
from assistant.retrieval.sentences import sentence_around

NOT_FOUND = "现有文件中未找到"
NOT_STATED = "文件未写明"
RANK_DECAY = 0.85  # a figure in a lower-ranked passage needs a clearly closer clause to be preferred
FREQUENCY_CACHE_SIZE = 10_000
TOPIC_PLACE_DOCUMENTS = 2
# A figure in the section of a document's best passage outweighs one elsewhere unless that one's clause matches the
# question this many times better (chosen on the tune half: 2.5-10 gave the same answers, 1.5 fewer right).
SUBJECT_BONUS = 3.0
_ASKING = re.compile(r"负责|管理|是|的|吗|呢|要|由")


@dataclass(frozen=True)
class AnswerSettings:
    """Refusal thresholds calibrated on eval/questions.jsonl: ``python -m eval.answers`` prints the trade-off
    between refusal recall and false refusals and cross-validates the choice."""

    k: int = 10
    max_jurisdictions: int = 5
    jurisdiction_ratio: float = 0.8  # another jurisdiction is answered when its best hit scores this close
    min_coverage: float = 0.1  # rarity-weighted share of the question's content words in the best passages
    min_support: float = 0.1  # the same share in the one passage an answer line cites
    min_about: float = 0.2  # the same share (of words the corpus uses) in the sentence a figure is quoted from
    support_ratio: float = 0.6  # another jurisdiction's line needs this share of the best line's support
    judge: bool = True  # the learned judge (answering/judge.py) decides instead of min_coverage and min_support
    mode: str = "hybrid"  # the retrieval mode every search of an answer uses (the 命中测试 page compares them)


@dataclass(frozen=True)
class Relevance:
    """How the parts of an answer are judged against one question."""

    overlap: Callable[[str], float]  # share of the question's tokens in a text: ranks sentences
    support: Callable[[Hit], float]  # how far the passage itself answers the question (0 when it lacks a detail)
    min_support: float  # the support a passage needs for a line to cite it
    about: Callable[[str], bool]  # a sentence speaks of the question's topic: its figures may be quoted
    kinds: frozenset[str]  # the kinds of figure the part asks (an amount, a date…); empty for who and what
    about_document: bool  # the question asks of the document itself (印发日期): its apparatus answers


class Answerer:
    def __init__(
        self, retriever: Retriever, settings: AnswerSettings | None = None, judge: Judge | None = None
    ) -> None:
        """``judge``: the one to use instead of the shipped one (when ``settings.judge``) or of the rule gates."""
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        # The judge learned from both legs' scores: a one-leg mode (命中测试's BM25 or 向量) keeps the rule gates.
        hybrid = self.settings.mode == "hybrid"
        self.judge = judge or (shipped_judge() if self.settings.judge and hybrid else None)
        self.check: AnswerCheck | None = shipped_answer_check(retriever.embedder) if self.judge is not None else None
        self._frequency_store: object = None
        self._frequencies: dict[str, int] = {}

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
            return Answer(question, "", WHAT, False, message=str(error), decision=Decision("unusable", str(error)))
        documents = self.retriever.store.documents
        places = self._place_names()
        follow_up = resolve_follow_up(asked, history or [], places)
        resolved = follow_up.question
        if not has_topic(resolved, places):  # "那高县呢？" with nothing before it
            named = "、".join(name for name in places if name in resolved) or "哪方面"
            why = Decision("no_topic", "问题只有地名、年份或疑问词，没有可检索的主题，前面也没有可追问的对话")
            return Answer(
                asked, "", WHAT, False, message=f"请说明想了解{named}的什么内容（如由谁负责、何时完成）。", decision=why
            )
        intent = detect_intent(resolved)
        scope = self.retriever.scope(resolved, region, year, doc_ids)
        unknown = unknown_places(resolved, documents) if not region and not scope.regions else []
        # A place no document belongs to that several documents speak of is a topic (港澳青年's 香港, 成都 among a
        # national pilot's cities) or a common word (新建 of 新建小区), not a jurisdiction the corpus lacks.
        unknown = [name for name in unknown if self._documents_naming(name) < TOPIC_PLACE_DOCUMENTS]
        if unknown or scope.unmatched:
            hits = self._search(resolved, scope=scope) if scope.unmatched else []
            what = "、".join(unknown) or scope.unmatched
            covered = "、".join(sorted({jurisdiction_label(meta) for meta in documents.values()}))
            why = Decision("unknown_place", f"问题或筛选所指的地区、年份或文件（{what}）没有已收录的文件")
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}{what}的文件（现有文件：{covered}）。", hits, why)
        hits = self._search(resolved, scope=scope)
        shown: dict[str, Hit] = {}
        if follow_up.same_task is not None:
            hits, shown = self._same_task_first(follow_up.same_task, hits)
        # A follow-up about the same task speaks of the previous question's topic, in the previous question's words.
        topic = resolved if follow_up.same_task is None else follow_up.same_task.question
        words = content_words(topic, self.retriever.store.lexical.tokenizer, places)
        top = "".join(f"{hit.meta.title}{hit.passage.section_path}{hit.passage.text}" for hit in hits[:3])
        covered = coverage(words, top, self._rarity)[0] if hits else 0.0
        if self.judge is None and covered < self.settings.min_coverage:
            why = Decision(
                "low_coverage",
                f"问题的关键词在前 3 个段落中的覆盖率 {covered:.2f} 低于阈值 {self.settings.min_coverage}"
                + ("" if hits else "（没有检索到段落）"),
                covered,
                self.settings.min_coverage,
            )
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}能回答这个问题的内容。", hits, why)
        single = scope.doc_ids is not None and len(scope.doc_ids) == 1
        judged = [(part, self._relevance(resolved, words, part)) for part in question_parts(resolved)]
        answer, answered = self._compose(asked, resolved, intent, hits, judged, single, covered, shown)
        if self.judge is None or not answer.answerable:
            return answer
        signals = self._signals(resolved, words, covered, hits, answer, judged, answered, bool(scope.regions))
        judgement = self.judge.judge(signals)
        if not judgement.accepted:
            why = Decision(
                "judge_refused",
                f"覆盖率 {covered:.2f}；答案可信度 {judgement.probability:.2f} 低于判定阈值 "
                f"{judgement.threshold:.2f}（学习的可答性判定）",
                covered,
                self.settings.min_coverage,
            )
            answer = self._refuse(asked, resolved, intent, f"{NOT_FOUND}能回答这个问题的内容。", hits, why)
        else:
            answer.decision = Decision(
                "answered",
                f"覆盖率 {covered:.2f}；答案可信度 {judgement.probability:.2f} ≥ 判定阈值 "
                f"{judgement.threshold:.2f}（学习的可答性判定）；"
                f"{len({line.label for line in answer.lines})} 个地区、{len(answer.lines)} 条回答有出处",
                covered,
                self.settings.min_coverage,
            )
        answer.judgement = judgement
        return answer

    def _signals(
        self,
        question: str,
        words: list[str],
        covered: float,
        hits: list[Hit],
        answer: Answer,
        judged: list[tuple[Part, Relevance]],
        answered: int,
        named_place: bool,
    ) -> Signals:
        """What the judge weighs: how the top and the cited passages cover the question, and the legs' scores."""
        cited = [citation.hit for citation in answer.citations]
        texts = [f"{hit.meta.title}{_passage_text(hit)}" for hit in cited]
        total = sum(self._rarity(word) for word in words) or 1.0
        first = cited[0]
        evidence = answer.citations[0].evidence
        kinds = frozenset(kind for part, _ in judged for kind in part.kinds)
        # The clause that asks (一般多久能发到个人账户上) says what the figure must be attached to; the context
        # clause before it (提交申请以后) is shared with many sentences that state other figures.
        asking = "".join(asking_clauses(question))
        focus = [word for word in words if word in asking] or words
        return Signals(
            coverage_top=covered,
            support_cited=max(coverage(words, text, self._rarity)[0] for text in texts),
            missing_detail=float(all(missing_details(question, text, DETAIL_WORDS) for text in texts)),
            missing_service=float(all(missing_details(question, text, SERVICE_WORDS) for text in texts)),
            unknown_share=sum(self._rarity(word) for word in words if not self._known(word)) / total,
            dense_top=max(hit.leg_scores.get("dense", 0.0) for hit in hits[:3]),
            dense_cited=first.leg_scores.get("dense", 0.0),
            bm25_top=log_score(max(hit.leg_scores.get("bm25", 0.0) for hit in hits[:3])),
            bm25_cited=log_score(first.leg_scores.get("bm25", 0.0)),
            about_best=judged[0][1].overlap(evidence),
            kind_found=float(bool(kinds & {span.kind for span in find_spans(evidence)})),
            parts_answered=answered / len(judged),
            kind_asked=float(any(part.kinds for part, _ in judged)),
            named_place=float(named_place),
            content_words=math.log1p(len(words)),
            focus_quoted=coverage(focus, evidence, self._rarity)[0],
            focus_cited=coverage(focus, texts[0], self._rarity)[0],
            checked=self._checked(question, first.passage.text, evidence),
        )

    def _checked(self, question: str, text: str, evidence: str) -> float:
        """The answer check's log-odds for the sentence the quoted clause stands in (a clause alone, 20个工作日内,
        does not say what it is the limit of)."""
        assert self.check is not None, "signals are computed only for a judge"
        probability = float(self.check.probabilities([(question, sentence_around(text, evidence))])[0])
        probability = min(max(probability, 1e-6), 1 - 1e-6)
        return math.log(probability / (1 - probability))

    def _search(self, question: str, **filters: object) -> list[Hit]:
        """``retriever.search`` at the answer's depth and in its mode."""
        return self.retriever.search(question, self.settings.k, mode=self.settings.mode, **filters)  # type: ignore[arg-type]

    def _same_task_first(self, previous: Turn, hits: list[Hit]) -> tuple[list[Hit], dict[str, Hit]]:
        """The passages the previous answer quoted, one per document, then ``hits``; and those passages by document.

        "什么时候完成？" after "由谁负责？" asks about the tasks just shown, in every jurisdiction shown. They are
        found by answering the previous question again (what the UI and a REST client remember of a turn is its
        question), so both resolve a follow-up the same way; if it is not answered, its best passage leads."""
        shown: dict[str, Hit] = {}
        for citation in self.answer(previous.question).citations:
            shown.setdefault(citation.hit.passage.doc_id, citation.hit)
        if not shown:
            region = previous.regions[0] if len(previous.regions) == 1 else None
            before = self._search(previous.question, region=region)[:1]
            seen = {hit.passage.passage_id for hit in before}
            return before + [hit for hit in hits if hit.passage.passage_id not in seen], {}
        seen = {hit.passage.passage_id for hit in shown.values()}
        return list(shown.values()) + [hit for hit in hits if hit.passage.passage_id not in seen], shown

    def turn(self, answer: Answer) -> Turn:
        """What a follow-up needs to remember of this answer."""
        regions = {citation.hit.meta.region for citation in answer.citations}
        return self._turn(answer.understood, one_jurisdiction=len(regions) == 1)

    def turn_for(self, question: str) -> Turn:
        """The turn of an earlier question a client remembers only as text (it is not answered again)."""
        return self._turn(question, one_jurisdiction=len(self.retriever.scope(question).regions) == 1)

    def _turn(self, understood: str, one_jurisdiction: bool) -> Turn:
        """The question, its topic without question words and places, and the places when they name one."""
        named = [name for name in self._place_names() if name in understood]
        topic = understood
        for _, pattern in INTENT_PATTERNS:
            topic = pattern.sub("", topic)
        topic = _ASKING.sub("", topic)
        for name in sorted(named, key=len, reverse=True):
            topic = topic.replace(name, "")
        topic = topic.strip("？?。 ")
        return Turn(understood, tuple(named) if one_jurisdiction else (), topic)

    def _place_names(self) -> list[str]:
        """Every name of every jurisdiction the documents belong to, in the documents' order."""
        documents = self.retriever.store.documents.values()
        return list(dict.fromkeys(name for meta in documents for names in region_aliases(meta) for name in names))

    def _relevance(self, question: str, words: list[str], part: Part) -> Relevance:
        """Judges for the answer to one ``part`` of ``question``, whose content words are ``words``."""
        tokenize = self.retriever.store.lexical.tokenizer.tokenize

        def content(text: str) -> set[str]:
            # The question's content tokens: places (the scope's job), question words and bounds weigh nothing.
            tokens = {token for token in tokenize(text) if not is_qualifier(token)}
            return {token for token in tokens if any(token in word for word in words)}

        question_tokens = content(question) or set(tokenize(question))
        # A part with no words of its own (最晚什么时候要申请) is told apart by the whole question.
        own_tokens = content(part.own) or question_tokens
        weight = {token: self._rarity(token) for token in question_tokens | own_tokens}
        known = [word for word in words if self._frequency(word)]  # only these can mark a sentence as on topic

        def share(tokens: set[str], asked: set[str]) -> float:
            return sum(weight[token] for token in tokens & asked) / (sum(weight[token] for token in asked) or 1)

        def overlap(text: str) -> float:
            # Rarity-weighted (实习 tells a clause apart, 港澳青年 in every article does not); the part's own
            # words (本科, 安居补贴) count twice: they tell its figure from its neighbours'.
            tokens = set(tokenize(text))
            return (2 * share(tokens, own_tokens) + share(tokens, question_tokens)) / 3

        def support(hit: Hit) -> float:
            # The top passages together may cover the question while the one a line quotes is about
            # something else (another task's deadline, another kind of figure): such a line is dropped.
            text = _passage_text(hit)
            share, _ = coverage(words, f"{hit.meta.title}{text}", self._rarity)
            return 0.0 if missing_details(question, text) else share

        return Relevance(
            overlap,
            support,
            self.settings.min_support if self.judge is None else 0.0,  # the judge weighs support itself
            lambda text: coverage(known, text, self._rarity)[0] >= self.settings.min_about,
            part.kinds,
            asks_about_document(question),
        )

    def _known(self, word: str) -> bool:
        """Some passage uses the word, or an official term for it (as coverage counts it found)."""
        return bool(self._frequency(word)) or any(self._frequency(term) for term in official_terms(word))

    def _documents_naming(self, word: str) -> int:
        """How many documents use ``word`` in a passage (no scan for a word no passage holds: that count is cached)."""
        if not self._frequency(word):
            return 0
        return len({passage.doc_id for passage in self.retriever.store.passages if word in passage.text})

    def _rarity(self, word: str) -> float:
        """Inverse document frequency of a word as a substring of the passages."""
        passages = len(self.retriever.store.passages)
        return math.log((passages + 1) / (self._frequency(word) + 0.5))

    def _frequency(self, word: str) -> int:
        """How many passages hold ``word`` (cached per store)."""
        store = self.retriever.store
        if self._frequency_store is not store:
            self._frequency_store, self._frequencies = store, {}
        if word not in self._frequencies:
            if len(self._frequencies) > FREQUENCY_CACHE_SIZE:
                self._frequencies.clear()
            self._frequencies[word] = sum(word in passage.text for passage in store.passages)
        return self._frequencies[word]

    def _compose(
        self,
        asked: str,
        resolved: str,
        intent: str,
        hits: list[Hit],
        judged: list[tuple[Part, Relevance]],
        single: bool,
        covered: float,
        shown: dict[str, Hit],
    ) -> tuple[Answer, int]:
        """A line per jurisdiction and part asked, each citing its passage; parts no passage states are named.
        ``shown``: a follow-up about the tasks just shown answers from those passages only, one per document,
        and names the jurisdictions whose passage does not state what it asks. Also: how many parts got a line."""
        by_document: dict[str, list[Hit]] = {}
        for hit in hits:
            by_document.setdefault(hit.passage.doc_id, []).append(hit)
        by_document.update({doc: [hit] for doc, hit in shown.items()})
        top_score = hits[0].score
        chosen = list(shown) or [
            doc
            for doc, doc_hits in by_document.items()
            if doc_hits[0].score >= self.settings.jurisdiction_ratio * top_score
        ]
        chosen = chosen[:1] if single else chosen[: self.settings.max_jurisdictions]
        answer = Answer(asked, resolved, intent, True)
        support = judged[0][1].support  # the passage's support is the whole question's, not a part's
        found = [
            (doc, part, extracted)
            for doc in chosen
            for part, relevance in judged
            if (extracted := self._extract_for(doc, by_document[doc], part, relevance, deeper=doc not in shown))
        ]
        # Another jurisdiction is answered when its passage speaks of the question nearly as fully as the best.
        best = max((support(hit) for _, _, (hit, _) in found), default=0.0)
        answered: set[Part] = set()
        quoted: set[tuple[str, str]] = set()
        for doc, part, (hit, extracted) in found:
            if support(hit) < self.settings.support_ratio * best:
                continue
            answered.add(part)
            if (doc, extracted.evidence) in quoted:  # two parts answered by one clause: one line
                continue
            quoted.add((doc, extracted.evidence))
            citation = Citation(len(answer.citations) + 1, hit, extracted.evidence)
            answer.citations.append(citation)
            answer.lines.append(AnswerLine(jurisdiction_label(hit.meta), extracted.text, [citation.n]))
        threshold = self.settings.min_coverage
        if not answer.lines:
            why = Decision(
                "no_support",
                f"覆盖率 {covered:.2f} 达到阈值 {threshold}，但没有一个段落足以支持回答"
                f"（每条回答所引段落的支持度须 ≥ {self.settings.min_support}，且含所问的单位、时限或数字）",
                covered,
                threshold,
            )
            return self._refuse(asked, resolved, intent, f"{NOT_FOUND}能回答这个问题的内容。", hits, why), 0
        regions = len({line.label for line in answer.lines})
        answer.decision = Decision(
            "answered",
            f"覆盖率 {covered:.2f} ≥ 阈值 {threshold}；{regions} 个地区、{len(answer.lines)} 条回答有出处",
            covered,
            threshold,
        )
        notes = [f"（理解为：{resolved}）"] if resolved != asked else []
        unstated = [part.own for part, _ in judged if part not in answered]
        if unstated:
            notes.append(f"（{NOT_STATED}：{'；'.join(unstated)}）")
        lined = {citation.hit.passage.doc_id for citation in answer.citations}
        silent = [jurisdiction_label(shown[doc].meta) for doc in chosen if doc in shown and doc not in lined]
        if silent:
            notes.append(f"（{'、'.join(silent)}：{NOT_STATED}）")
        answer.message = "".join(notes)
        assert not unsupported_markers(answer.text, answer.citations), "every marker must point to a citation"
        return answer, len(answered)

    def _extract_for(
        self, doc: str, hits: list[Hit], part: Part, relevance: Relevance, deeper: bool = True
    ) -> tuple[Hit, Extract] | None:
        """The answer from one document: its own hits first, then (if ``deeper``) a deeper search in it, then its
        best sentence.

        Only passages that support the question are quoted; a document without one gets no line, and
        neither does one without a span of the kind a when or number question asks (its best sentence
        would not say when or how much).
        """
        intent = part.intent
        # The document's best passage says what the question is about; its section's other passages hold the rest
        # of that subject (the deadline of the subsidy whose amount it states), not a neighbouring subsidy's.
        subject = hits[0].passage.section if hits else ()
        hits = [hit for hit in hits if relevance.support(hit) >= relevance.min_support]
        found_here = _first(hits, intent, relevance, strict=True, subject=subject)
        if found_here is None and (intent != WHAT or part.kinds) and deeper:
            # The few hits this document had hold no unit/deadline/figure: look deeper in it.
            deeper = self._search(part.query, doc_ids=[doc])
            deeper = [hit for hit in deeper if relevance.support(hit) >= relevance.min_support]
            found_here = _first(deeper, intent, relevance, strict=True, subject=subject) or _first(
                hits, intent, relevance, strict=False, subject=subject
            )
        if found_here is None and intent in (WHAT, WHO) and not part.kinds and hits:
            extracted = extract(hits[0].passage, WHAT, relevance.overlap)
            found_here = (hits[0], extracted) if extracted else None
        return found_here

    def _refuse(
        self, asked: str, resolved: str, intent: str, message: str, hits: list[Hit], decision: Decision
    ) -> Answer:
        topics = list(
            dict.fromkeys(
                f"{jurisdiction_label(hit.meta)}：{hit.passage.section[-1]}" for hit in hits[:5] if hit.passage.section
            )
        )[:3]
        if topics:
            message += "现有文件涉及的相近内容有：" + "；".join(topics) + "。"
        if resolved != asked:  # a refused follow-up shows how it was read, as an answered one does
            message = f"（理解为：{resolved}）{message}"
        return Answer(asked, resolved, intent, False, message=message, nearest_topics=topics, decision=decision)


def _first(
    hits: list[Hit], intent: str, relevance: Relevance, strict: bool, subject: tuple[str, ...] = ()
) -> tuple[Hit, Extract] | None:
    """The hit that holds this kind of answer, itself or in the 分工表 row it stands for.

    Who and what, and anything asked of the document itself: the best-ranked such hit. A figure or
    date: the one whose clause matches the question best, a lower rank discounted (the first passage's
    first figure is often another one) unless it stands in the ``subject`` section, never from the
    apparatus (its dates are the document's own).
    """
    best: tuple[float, Hit, Extract] | None = None
    for position, hit in enumerate(hits):
        if relevance.kinds and not relevance.about_document and hit.passage.kind == APPARATUS:
            continue
        for candidate in (hit, *_rows_behind(hit, relevance.overlap)):
            extracted = extract(candidate.passage, intent, relevance.overlap, strict, relevance.about, relevance.kinds)
            if extracted is None:
                continue
            if not relevance.kinds or relevance.about_document:
                return candidate, extracted
            local = bool(subject) and _same_subject(candidate.passage.section, subject)
            score = extracted.score * (SUBJECT_BONUS if local else RANK_DECAY**position)
            if best is None or score > best[0]:
                best = (score, candidate, extracted)
    return (best[1], best[2]) if best else None


def _same_subject(section: tuple[str, ...], subject: tuple[str, ...]) -> bool:
    """Whether a passage's section path is under the subject's heading or the subject under the passage's."""
    return bool(section) and (subject[-1] in section or section[-1] in subject)


def _rows_behind(hit: Hit, overlap: Callable[[str], float]) -> list[Hit]:
    """The task records that repeat a prose hit (its ``also_at``), the closest to the question first.

    A plan states a task in prose and again in its 分工表 with the units and deadline; the unit
    of a prose hit is in that row, not in the next-ranked hit (which may be another task).
    """
    rows = sorted((p for p in hit.also_at if p.kind == RECORD), key=lambda p: -overlap(p.text))
    return [
        Hit(
            row,
            hit.meta,
            hit.score,
            hit.rank,
            leg_scores=hit.leg_scores,
            leg_ranks=hit.leg_ranks,
            also_at=[hit.passage, *(p for p in hit.also_at if p is not row)],
        )
        for row in rows
    ]


def _passage_text(hit: Hit) -> str:
    """A hit's passage and the places that repeat it, each under its section path."""
    return "".join(f"{p.section_path}{p.text}" for p in (hit.passage, *hit.also_at))
