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
    """labelled.json, labelled.md and two charts (one group per question set); returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    (directory / "labelled.json").write_text(
        json.dumps({"command": command, "date": stamp, **summary}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    sets = summary["sets"]
    metrics = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
    lines = [f"# Labelled sets: retrieval and answers\n\n`{command}` on {stamp} (2-core machine).\n"]
    for name, result in sets.items():
        lines += [
            f"## {name}: {result['questions']} questions ({result['answerable']} answerable)\n",
            f"Corpus `{result['corpus']}`, {result['passages']} passages, index built in "
            f"{result['build_seconds']:.1f} s.\n",
            "| system | " + " | ".join(metrics) + " | latency p50 ms | latency p95 ms |",
            "|---" * (len(metrics) + 3) + "|",
        ]
        for system, row in result["systems"].items():
            cells = [f"{row[m]:.3f}" for m in metrics] + [
                f"{row['latency_p50_ms']:.1f}",
                f"{row['latency_p95_ms']:.1f}",
            ]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
        rules = result.get("answers_rules", {})
        lines += ["", "| answers | judge | rules (baseline) |", "|---|---|---|"]
        lines += [
            f"| {key} | {value:.3f} | {rules.get(key, float('nan')):.3f} |"
            for key, value in result["answers"].items()
            if key != "wrong"
        ]
        lines.append("")
    lines += ["![recall](labelled_recall.png)", "", "![answers](labelled_answers.png)", ""]
    (directory / "labelled.md").write_text("\n".join(lines), encoding="utf-8")

    systems = list(next(iter(sets.values()))["systems"])
    figure, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 4.5), sharey=True, squeeze=False)
    width = 0.8 / len(systems)
    for axis, (name, result) in zip(axes[0], sets.items(), strict=True):
        for offset, system in enumerate(systems):
            row = result["systems"][system]
            axis.bar([i + offset * width for i in range(len(metrics))], [row[m] for m in metrics], width, label=system)
        axis.set_xticks([i + 0.4 - width / 2 for i in range(len(metrics))], metrics, fontsize=7)
        axis.set_ylim(0, 1)
        axis.set_title(name)
    axes[0][0].legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    figure.savefig(directory / "labelled_recall.png", dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(8, 4))
    names = [*CHECKED_ANSWERS, "false_refusal_rate"]
    height = 0.8 / len(sets)
    for offset, (name, result) in enumerate(sets.items()):
        axis.barh(
            [i + offset * height for i in range(len(names))], [result["answers"][k] for k in names], height, label=name
        )
    axis.set_yticks([i + 0.4 - height / 2 for i in range(len(names))], names)
    axis.set_xlim(0, 1)
    axis.legend(fontsize=7)
    axis.set_title("Extractive answers")
    figure.tight_layout()
    figure.savefig(directory / "labelled_answers.png", dpi=110)
    plt.close(figure)
    return [
        directory / name for name in ("labelled.json", "labelled.md", "labelled_recall.png", "labelled_answers.png")
    ]


def regressions(summary: dict, expected_file: Path = EXPECTED) -> list[str]:
    """Every checked score, per question set, that fell more than the tolerance below its expected value."""
    if not expected_file.exists():
        return []
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    tolerance = expected.get("tolerance", 0.01)
    found = []
    for set_name, wanted in expected["sets"].items():
        result = summary["sets"].get(set_name)
        if result is None:
            continue
        for system, names in wanted["systems"].items():
            for name, want in names.items():
                if (got := result["systems"][system][name]) < want - tolerance:
                    found.append(f"{set_name} {system} {name}: {got:.3f} < expected {want:.3f} - {tolerance}")
        for name, want in wanted["answers"].items():
            if (got := result["answers"][name]) < want - tolerance:
                found.append(f"{set_name} answers {name}: {got:.3f} < expected {want:.3f} - {tolerance}")
    return found


def expected_from(summary: dict, tolerance: float = 0.02) -> dict:
    """The expected-scores file content for this run (used to record a new baseline deliberately)."""
    return {
        "tolerance": tolerance,
        "sets": {
            set_name: {
                "systems": {
                    s: {n: round(result["systems"][s][n], 3) for n in names if n in result["systems"][s]}
                    for s, names in CHECKED.items()
                },
                "answers": {n: round(result["answers"][n], 3) for n in CHECKED_ANSWERS},
            }
            for set_name, result in summary["sets"].items()
        },
    }
