"""The answer check adapted to policy questions, cross-fitted so the judge trained over it sees honest scores.

The CMRC2018 check (``eval/answer_check.py``) has read encyclopaedia paragraphs only. Here it is trained further on
the questions the judge is trained on (the seeds' labelled set, the dev tune half, and the tune questions asked of
the bundled plans, which answer none of them), each against the sentences of the passages the retriever finds for
it: a sentence holding the question's gold evidence answers; the other sentences of those passages (the same topic,
a neighbouring task, another figure) and every sentence found for an unanswerable question do not.

A check trained on a question would score that question's answer too well, and the judge would learn to trust it
more than it deserves on new questions. So the judge's training answers are scored by a check trained without
their fold (the judge's own folds, grouped by document): ``fold_checks`` gives one check per fold, the shipped one
is trained on every fold. Never the dev check half.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from assistant.answering.answer_check import AnswerCheck
from assistant.engine import Engine
from assistant.retrieval.sentences import split_sentences
from eval.answer_check import Pair, auc, bigrams, fit, frozen_pairs, logits
from eval.labelled import LabelledQuestion

PASSAGES = 5  # the retriever's top passages a question's sentences come from
POSITIVES = 2
NEGATIVES = 4  # per question, the sentences sharing most with it first
MIN_SENTENCE = 6
EVIDENCE_SHARE = 0.6  # a sentence holding this share of an evidence string (repair may change a few characters)
EPOCHS = 2
RATES = (1e-4, 1e-3)  # gentler than the CMRC stage's: the check is adapted, not retrained


@dataclass(frozen=True)
class Grouped:
    """A training pair and the judge's fold group of its question."""

    pair: Pair
    group: str


def _plain(text: str) -> str:
    """Spaces and full-width forms normalised, end marks dropped (a sentence ends in 。, an evidence string may not)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).strip("。；;，,！!？?")


def holds_evidence(sentence: str, evidence: Iterable[str]) -> bool:
    """The sentence states one of the evidence strings (whole, or most of it as one run of characters)."""
    plain = _plain(sentence)
    for text in map(_plain, evidence):
        if not text:
            continue
        if text in plain or (len(plain) >= MIN_SENTENCE and plain in text):
            return True
        match = SequenceMatcher(None, plain, text, autojunk=False).find_longest_match(0, len(plain), 0, len(text))
        if match.size >= EVIDENCE_SHARE * len(text):
            return True
    return False


def question_pairs(engine: Engine, question: LabelledQuestion, key: str, answerable: bool | None = None) -> list[Pair]:
    """The question against the sentences of its top passages, labelled by its gold evidence."""
    answerable = question.answerable if answerable is None else answerable
    positives: list[str] = []
    negatives: list[str] = []
    for hit in engine.retriever.search(question.question, PASSAGES):
        evidence = [e["text"] for e in question.evidence if e["doc_id"] == hit.passage.doc_id] if answerable else []
        for sentence in split_sentences(hit.passage.text):
            if len(sentence) < MIN_SENTENCE or sentence in positives or sentence in negatives:
                continue
            (positives if evidence and holds_evidence(sentence, evidence) else negatives).append(sentence)
    asked = bigrams(question.question)
    negatives.sort(key=lambda sentence: -len(asked & bigrams(sentence)))
    return [Pair(key, question.question, sentence, True) for sentence in positives[:POSITIVES]] + [
        Pair(key, question.question, sentence, False) for sentence in negatives[:NEGATIVES]
    ]


def grouped_pairs(
    engine: Engine, questions: list[LabelledQuestion], source: str, answerable: bool | None = None
) -> list[Grouped]:
    from eval.judge import group_of

    return [
        Grouped(pair, group_of(question, source))
        for question in questions
        for pair in question_pairs(engine, question, f"{source}:{question.id}", answerable)
    ]


def fold_checks(
    start: AnswerCheck, load: Callable[[], AnswerCheck], pairs: list[Grouped], epochs: int = EPOCHS
) -> tuple[dict[int, AnswerCheck], AnswerCheck, dict]:
    """One check per fold trained without it, one trained on all, each from a fresh copy of ``start``
    (``load()`` returns one); and the out-of-fold AUC of the adapted checks against ``start``'s."""
    import torch

    from eval.answer_check import SEED
    from eval.judge import FOLDS, fold_of

    frozen = frozen_pairs(start, [grouped.pair for grouped in pairs])
    of_fold = np.array([fold_of(grouped.group) for grouped in pairs])
    before = logits(start, frozen, list(range(len(pairs))))
    out_of_fold = np.zeros(len(pairs))
    checks: dict[int, AnswerCheck] = {}
    for fold in range(FOLDS):
        rows = [i for i in range(len(pairs)) if of_fold[i] != fold]
        held = [i for i in range(len(pairs)) if of_fold[i] == fold]
        torch.manual_seed(SEED)
        check = load()
        fit(check, frozen, rows, epochs, RATES)
        out_of_fold[held] = logits(check, frozen, held)
        checks[fold] = check
    torch.manual_seed(SEED)
    final = load()
    report = fit(final, frozen, list(range(len(pairs))), epochs, RATES)
    labels = frozen.labels
    report.update(
        {
            "pairs": len(pairs),
            "positives": int(labels.sum()),
            "lower_seconds": round(frozen.seconds, 1),
            "auc_before": round(auc(before, labels), 4),
            "auc_out_of_fold": round(auc(out_of_fold, labels), 4),
        }
    )
    return checks, final, report
