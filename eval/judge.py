"""`python -m eval train-judge`: fit the answerability judge (assistant/answering/judge.py) and ship it.

Training questions: the seeds' labelled set and the dev corpus's tune half (never its check half), plus
cross-corpus negatives: the dev tune questions asked of the five bundled plans, which answer none of them
(the same kind of everyday question, a corpus that lacks the topic). Each question is answered with the rule
gates off; the signals of every composed answer are the features, "the question is answerable" the label.

The L2 weight and the threshold are chosen by grouped cross-validation (the questions of one document stay in
one fold, so a document's wording does not leak into its own score): the threshold refuses as many
unanswerable questions as it can while answerable ones refused stay within ``MAX_FALSE_REFUSALS``.
"""

from __future__ import annotations

import argparse
import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.answer_check import AnswerCheck
from assistant.answering.answerer import Answerer, AnswerSettings
from assistant.answering.judge import JUDGE_FILE, SIGNAL_NAMES, Judge
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, Engine
from eval.answer_check import CMRC_STAGE
from eval.answer_check import SHIPPED as CHECK_SHIPPED
from eval.answers import MAX_FALSE_REFUSALS
from eval.labelled import DEV_CORPUS, DEV_QUESTIONS, QUESTIONS, LabelledQuestion, load_questions

SHIPPED = Path(__file__).parent.parent / "assistant" / "answering" / "resources" / JUDGE_FILE
FOLDS = 5
L2_CHOICES = (0.1, 1.0, 10.0, 30.0)
TRAINING_SPLIT = "tune"


@dataclass(frozen=True)
class Example:
    """One composed answer's signals, whether its question is answerable, and the fold its document is in."""

    question_id: str
    signals: np.ndarray
    answerable: bool
    group: str


def recording_judge() -> Judge:
    """A judge that accepts everything: the answerer then composes with its gates off and records signals."""
    zeros = np.zeros(len(SIGNAL_NAMES))
    return Judge(zeros, np.ones(len(SIGNAL_NAMES)), zeros, 0.0, 0.0)


def examples(
    answerer: Answerer, questions: list[LabelledQuestion], source: str, answerable: bool | None = None
) -> list[Example]:
    """The signals of each question the answerer composes an answer for (a refusal before that has none)."""
    found = []
    for question in questions:
        answer = answerer.answer(question.question)
        if answer.judgement is None:
            continue
        label = question.answerable if answerable is None else answerable
        found.append(Example(question.id, answer.judgement.signals.vector(), label, group_of(question, source)))
    return found


def group_of(question: LabelledQuestion, source: str) -> str:
    """The fold group of a question: its first document's (an unanswerable question is a group of its own)."""
    return f"{source}:{question.doc_ids[0] if question.doc_ids else question.id}"


def fold_of(group: str) -> int:
    return zlib.crc32(group.encode("utf-8")) % FOLDS


def cross_validated(rows: np.ndarray, labels: np.ndarray, groups: list[str], l2: float) -> np.ndarray:
    """Each example's probability from a judge fitted without its document's fold."""
    folds = np.array([fold_of(group) for group in groups])
    predicted = np.zeros(len(rows))
    for fold in range(FOLDS):
        held = folds == fold
        if held.all() or not held.any():
            continue
        judge = Judge.fit(rows[~held], labels[~held], l2)
        predicted[held] = judge.probability(rows[held])
    return predicted


def choose_threshold(
    probabilities: np.ndarray, labels: np.ndarray, answerable_total: int
) -> tuple[float, float, float]:
    """The threshold refusing most unanswerable questions with false refusals within target, and both rates.

    ``answerable_total`` counts every answerable training question, also those refused before the judge
    (a place the corpus lacks), so the rate is the one the evaluation reports.
    """
    pre_refused = answerable_total - int(labels.sum())
    unanswerable = max(int((~labels).sum()), 1)
    best = (0.0, 0.0, pre_refused / answerable_total)
    for threshold in np.unique(probabilities):
        refused = probabilities < threshold
        false_rate = (pre_refused + int((refused & labels).sum())) / answerable_total
        recall = int((refused & ~labels).sum()) / unanswerable
        if false_rate <= MAX_FALSE_REFUSALS and recall > best[1]:
            best = (float(threshold), recall, false_rate)
    return best


def train(
    seeds_index: Path, dev_index: Path, model: str = "default", cmrc_check: Path | None = CMRC_STAGE
) -> tuple[Judge, AnswerCheck | None, dict]:
    """The judge; with ``cmrc_check``, also the answer check adapted from it to the same questions, the judge's
    training answers scored by the check trained without their fold (eval/policy_check.py)."""
    from eval.policy_check import fold_checks, grouped_pairs

    embedder = SentenceTransformerEmbedder(model)
    seeds = Engine.open(DEFAULT_CORPUS, seeds_index, embedder=embedder, progress=False)
    dev = Engine.open(DEV_CORPUS, dev_index, embedder=embedder, progress=False)
    settings = AnswerSettings(judge=True)
    seed_questions = load_questions(QUESTIONS)
    tune = [question for question in load_questions(DEV_QUESTIONS) if question.split == TRAINING_SPLIT]
    # (engine, questions, source, label): cross-corpus negatives are the tune questions asked of the bundled plans
    sets = [(seeds, seed_questions, "seeds", None), (dev, tune, "dev", None), (seeds, tune, "cross", False)]
    report: dict = {}
    adapted = None
    scorers: list[tuple[Callable[[str], bool], AnswerCheck | None]] = [(lambda group: True, None)]
    if cmrc_check is not None:
        pairs = [grouped for engine, qs, source, label in sets for grouped in grouped_pairs(engine, qs, source, label)]
        start = AnswerCheck.load(cmrc_check, embedder=embedder)
        folds, adapted, report["check"] = fold_checks(
            start, lambda: AnswerCheck.load(cmrc_check, embedder=embedder), pairs
        )
        scorers = [(lambda group, fold=fold: fold_of(group) == fold, check) for fold, check in folds.items()]
    found = []
    for in_fold, check in scorers:
        for engine, questions, source, label in sets:
            answerer = Answerer(engine.retriever, settings, recording_judge())
            if check is not None:  # the check trained without this fold's questions
                answerer.check = check
            found += examples(answerer, [q for q in questions if in_fold(group_of(q, source))], source, label)
    rows = np.stack([example.signals for example in found])
    labels = np.array([example.answerable for example in found])
    groups = [example.group for example in found]
    answerable_total = sum(q.answerable for q in seed_questions) + sum(q.answerable for q in tune)
    # The cross-corpus negatives are no labelled set's answerable questions: the rate counts the labelled ones.
    labelled = np.array([not group.startswith("cross:") for group in groups])
    report.update({"examples": len(found), "answerable": int(labels.sum()), "unanswerable": int((~labels).sum())})
    choices = {}
    for l2 in L2_CHOICES:
        probabilities = cross_validated(rows, labels, groups, l2)
        threshold, recall, false_rate = choose_threshold(probabilities[labelled], labels[labelled], answerable_total)
        choices[l2] = (recall - false_rate, threshold, recall, false_rate)
    l2 = max(choices, key=lambda key: choices[key][0])
    _, threshold, recall, false_rate = choices[l2]
    digest = hashlib.sha256(rows.tobytes()).hexdigest()[:12]
    trained_on = (
        f"seeds labelled set + dev {TRAINING_SPLIT} half + dev {TRAINING_SPLIT} asked of the seeds; "
        f"{len(found)} answers, l2 {l2}, cross-validated refusal recall {recall:.3f} at false refusals "
        f"{false_rate:.3f}; signals sha256 {digest}"
    )
    judge = Judge.fit(rows, labels, l2).with_threshold(threshold, trained_on)
    report.update({"l2": l2, "threshold": threshold, "cv_refusal_recall": recall, "cv_false_refusals": false_rate})
    report["per_l2"] = {str(key): value[1:] for key, value in choices.items()}
    return judge, adapted, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds-index", type=Path, required=True, help="index folder of the bundled corpus")
    parser.add_argument("--dev-index", type=Path, required=True, help="index folder of the dev corpus")
    parser.add_argument("--out", type=Path, default=SHIPPED, help=f"where to write the judge (default {SHIPPED})")
    parser.add_argument(
        "--cmrc-check", type=Path, default=CMRC_STAGE, help="the answer check's CMRC stage, adapted here to policy"
    )
    parser.add_argument("--no-adapt-check", action="store_true", help="keep the shipped check as it is")
    parser.add_argument(
        "--check-out", type=Path, default=CHECK_SHIPPED, help=f"where to write the check (default {CHECK_SHIPPED})"
    )


def run_cli(args: argparse.Namespace) -> int:
    judge, check, report = train(
        args.seeds_index, args.dev_index, args.model, None if args.no_adapt_check else args.cmrc_check
    )
    judge.save(args.out)
    if check is not None:
        adapted = report["check"]
        check.save(
            args.check_out,
            {
                "trained_on": f"{args.cmrc_check.name} adapted on {adapted['pairs']} pairs of the judge's training "
                f"questions; AUC {adapted['auc_before']} before, {adapted['auc_out_of_fold']} out of fold"
            },
        )
        print(
            f"answer check: {adapted['pairs']} pairs ({adapted['positives']} answering), AUC before "
            f"{adapted['auc_before']}, out of fold {adapted['auc_out_of_fold']}; "
            f"seconds per epoch {adapted['epoch_seconds']}; wrote {args.check_out}"
        )
    print(f"{report['examples']} answers ({report['answerable']} answerable, {report['unanswerable']} not)")
    for l2, (threshold, recall, false_rate) in report["per_l2"].items():
        print(f"  l2 {l2:>5}: threshold {threshold:.3f}, refusal recall {recall:.3f}, false refusals {false_rate:.3f}")
    print(f"chosen l2 {report['l2']}, threshold {report['threshold']:.3f}")
    for name, weight in sorted(zip(SIGNAL_NAMES, judge.weights, strict=True), key=lambda item: -abs(item[1])):
        print(f"  {name:<16} {weight:+.3f}")
    print(f"wrote {args.out}")
    return 0
