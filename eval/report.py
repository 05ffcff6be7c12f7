"""Write the labelled-set report (Markdown, JSON, PNG charts) and check it against the expected scores.

Like pyserini's reproduction files, ``eval/expected/labelled.json`` holds the scores the
committed code reached; a run that falls more than the tolerance below any of them fails
loudly, so a quality regression cannot land unnoticed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
EXPECTED = Path(__file__).parent / "expected" / "labelled.json"
CHECKED = {"hybrid": ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "coverage@10 (multi-doc)")}
CHECKED_ANSWERS = ("accuracy[who+when+number]", "refusal_recall")


def write_report(summary: dict, command: str, directory: Path = RESULTS) -> list[Path]:
    """labelled.json, labelled.md and two charts; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    (directory / "labelled.json").write_text(
        json.dumps({"command": command, "date": stamp, **summary}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    systems = summary["systems"]
    metrics = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
    lines = [
        f"# Labelled set: retrieval and answers\n\n`{command}` on {stamp} (2-core machine).\n",
        f"Index build: {summary['build_seconds']:.1f} s.\n",
        "| system | " + " | ".join(metrics) + " | latency p50 ms | latency p95 ms |",
        "|---" * (len(metrics) + 3) + "|",
    ]
    for name, row in systems.items():
        cells = [f"{row[m]:.3f}" for m in metrics] + [f"{row['latency_p50_ms']:.1f}", f"{row['latency_p95_ms']:.1f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| answers | value |", "|---|---|"]
    lines += [f"| {name} | {value:.3f} |" for name, value in summary["answers"].items() if name != "wrong"]
    lines += ["", "![recall](labelled_recall.png)", "", "![answers](labelled_answers.png)", ""]
    (directory / "labelled.md").write_text("\n".join(lines), encoding="utf-8")

    figure, axis = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(systems)
    for offset, (name, row) in enumerate(systems.items()):
        axis.bar([i + offset * width for i in range(len(metrics))], [row[m] for m in metrics], width, label=name)
    axis.set_xticks([i + 0.4 - width / 2 for i in range(len(metrics))], metrics)
    axis.set_ylim(0, 1)
    axis.set_title("Retrieval on the labelled set")
    axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4)
    figure.tight_layout()
    figure.savefig(directory / "labelled_recall.png", dpi=110)
    plt.close(figure)

    answers = {k: v for k, v in summary["answers"].items() if k.startswith(("accuracy", "refusal", "false"))}
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.barh(list(answers), list(answers.values()))
    axis.set_xlim(0, 1)
    axis.set_title("Extractive answers on the labelled set")
    figure.tight_layout()
    figure.savefig(directory / "labelled_answers.png", dpi=110)
    plt.close(figure)
    return [
        directory / name for name in ("labelled.json", "labelled.md", "labelled_recall.png", "labelled_answers.png")
    ]


def regressions(summary: dict, expected_file: Path = EXPECTED) -> list[str]:
    """Every checked score that fell more than the tolerance below its expected value."""
    if not expected_file.exists():
        return []
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    tolerance = expected.get("tolerance", 0.01)
    found = []
    for system, names in CHECKED.items():
        for name in names:
            want, got = expected["systems"][system][name], summary["systems"][system][name]
            if got < want - tolerance:
                found.append(f"{system} {name}: {got:.3f} < expected {want:.3f} - {tolerance}")
    for name in CHECKED_ANSWERS:
        want, got = expected["answers"][name], summary["answers"][name]
        if got < want - tolerance:
            found.append(f"answers {name}: {got:.3f} < expected {want:.3f} - {tolerance}")
    return found


def expected_from(summary: dict, tolerance: float = 0.02) -> dict:
    """The expected-scores file content for this run (used to record a new baseline deliberately)."""
    return {
        "tolerance": tolerance,
        "systems": {s: {n: round(summary["systems"][s][n], 3) for n in names} for s, names in CHECKED.items()},
        "answers": {n: round(summary["answers"][n], 3) for n in CHECKED_ANSWERS},
    }
