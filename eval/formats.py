"""Benchmark files as evaluators bring them: our jsonl layout or a BEIR folder in; TREC runs, qrels and BEIR out.

Ours: ``corpus.jsonl`` (``{"id","title","text"}``) and ``queries.jsonl`` (``{"id","question","positive_ids"}``).
BEIR: ``corpus.jsonl`` (``{"_id","title","text"}``), ``queries.jsonl`` (``{"_id","text"}``) and
``qrels/{train,dev,test}.tsv`` (``query-id corpus-id score`` under a header). A folder with ``qrels/`` is BEIR.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.indexing.passage_file import PassageRecord as Passage
from assistant.indexing.passage_file import read_jsonl, read_passage_file, row_id

BEIR_SPLITS = ("test", "dev", "train")  # the first one present is scored when no split is asked for
BEIR_HEADER = "query-id\tcorpus-id\tscore"
Qrels = dict[str, dict[str, int]]  # query id → passage id → relevance (> 0: relevant)


@dataclass(frozen=True)
class Query:
    id: str
    question: str
    positives: frozenset[str]


@dataclass(frozen=True)
class Benchmark:
    corpus_file: Path
    passages: list[Passage]
    queries: list[Query]  # the ones scored
    training: list[Query]  # the ones the adapted modes learn from (cross-fitted where they are also scored)


def load_corpus(path: Path) -> list[Passage]:
    return read_passage_file(path)


def _relevant(judged: Mapping[str, int]) -> frozenset[str]:
    return frozenset(passage for passage, relevance in judged.items() if relevance > 0)


def load_queries(path: Path, qrels: Qrels | None = None, limit: int | None = None) -> list[Query]:
    """Queries in either shape; positives from ``qrels`` when given, else the row's ``positive_ids`` (none: empty,
    as for held-out questions whose answers the evaluator keeps)."""
    rows = read_jsonl(path)
    rows = rows[:limit] if limit else rows
    queries = []
    for row in rows:
        query_id = row_id(row)
        if qrels is not None:
            positives = _relevant(qrels.get(query_id, {}))
        else:
            positives = frozenset(map(str, row.get("positive_ids", ())))
        queries.append(Query(query_id, str(row.get("question", row.get("text", ""))), positives))
    return queries


def read_qrels(path: Path) -> Qrels:
    """TREC qrels (``qid iteration docid relevance``) or BEIR's tsv (``query-id corpus-id score``, header first)."""
    qrels: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields or line.startswith("query-id"):
            continue
        if len(fields) == 4:
            query_id, _, passage_id, relevance = fields
        elif len(fields) == 3:
            query_id, passage_id, relevance = fields
        else:
            raise ValueError(f"{path}: not a qrels line (TREC: 4 fields, BEIR: 3): {line!r}")
        qrels.setdefault(query_id, {})[passage_id] = int(relevance)
    return qrels


def qrels_of(queries: Iterable[Query]) -> Qrels:
    return {query.id: dict.fromkeys(sorted(query.positives), 1) for query in queries}


def write_qrels(path: Path, qrels: Mapping[str, Mapping[str, int]]) -> None:
    """TREC qrels, or BEIR's tsv when the name ends in ``.tsv``."""
    beir = path.suffix == ".tsv"
    lines = [BEIR_HEADER] if beir else []
    for query_id, judged in qrels.items():
        for passage_id, relevance in judged.items():
            lines.append(f"{query_id}\t{passage_id}\t{relevance}" if beir else f"{query_id} 0 {passage_id} {relevance}")
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_run(path: Path, rankings: Mapping[str, Sequence[str]], tag: str) -> None:
    """A TREC run (``qid Q0 docid rank score tag``); scores fall with the rank, so trec_eval keeps our order."""
    with path.open("w", encoding="utf-8") as out:
        for query_id, listed in rankings.items():
            ranked = list(dict.fromkeys(listed))  # a passage twice in one query's run is not valid TREC
            for rank, passage_id in enumerate(ranked, start=1):
                out.write(f"{query_id} Q0 {passage_id} {rank} {len(ranked) - rank + 1} {tag}\n")


def is_beir(directory: Path) -> bool:
    return (directory / "qrels").is_dir()


def beir_split(directory: Path, split: str | None) -> str:
    """The split asked for, or the first of test/dev/train the folder has."""
    present = [name for name in BEIR_SPLITS if (directory / "qrels" / f"{name}.tsv").exists()]
    if split is None and present:
        return present[0]
    if split not in present:
        raise FileNotFoundError(f"{directory}/qrels has no {split or 'test, dev or train'}.tsv")
    return split


def open_benchmark(
    directory: Path,
    queries_file: Path | None = None,
    training_file: Path | None = None,
    qrels_file: Path | None = None,
    split: str | None = None,
) -> Benchmark:
    """The passages, the queries to score and the training queries, from either layout.

    BEIR: the scored queries are those of ``split``'s qrels; the training ones those of ``train.tsv`` when it is
    another split, else the scored ones (cross-fitted, as with our layout's single queries file).
    """
    corpus_file = directory / "corpus.jsonl"
    passages = load_corpus(corpus_file)
    given = read_qrels(qrels_file) if qrels_file else None
    if not is_beir(directory):
        queries = load_queries(queries_file or directory / "queries.jsonl", given)
        return Benchmark(corpus_file, passages, queries, load_queries(training_file or directory / "queries.jsonl"))
    chosen = beir_split(directory, split)
    questions = {query.id: query.question for query in load_queries(directory / "queries.jsonl")}

    def of_split(name: str) -> list[Query]:
        judged = read_qrels(directory / "qrels" / f"{name}.tsv")
        return [Query(query_id, questions[query_id], _relevant(judged[query_id])) for query_id in judged]

    queries = load_queries(queries_file, given) if queries_file else of_split(chosen)
    if given is not None and not queries_file:
        queries = [Query(query.id, query.question, _relevant(given.get(query.id, {}))) for query in queries]
    if training_file:
        training = load_queries(training_file)
    elif chosen != "train" and (directory / "qrels" / "train.tsv").exists():
        training = of_split("train")
    else:
        training = queries
    return Benchmark(corpus_file, passages, queries, training)


def write_beir(directory: Path, benchmark: Benchmark, split: str = "test") -> None:
    """The benchmark as a BEIR folder: scored queries under ``split``, training ones under train when they differ."""
    (directory / "qrels").mkdir(parents=True, exist_ok=True)
    corpus = [{"_id": p.id, "title": p.title, "text": p.text} for p in benchmark.passages]
    both = {query.id: query for query in (*benchmark.queries, *benchmark.training)}
    queries = [{"_id": query.id, "text": query.question} for query in both.values()]
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (directory / name).write_text(lines, encoding="utf-8")
    write_qrels(directory / "qrels" / f"{split}.tsv", qrels_of(benchmark.queries))
    if [q.id for q in benchmark.training] != [q.id for q in benchmark.queries]:
        write_qrels(directory / "qrels" / "train.tsv", qrels_of(benchmark.training))
