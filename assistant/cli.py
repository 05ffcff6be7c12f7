"""Command line: build, add, search. Flags and JSON fields are a contract scripts depend on."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer
from assistant.answering.generation import GeneratingAnswerer, GenerationSettings
from assistant.documents import META_FIELDS
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, DEFAULT_DATA, DEFAULT_INDEX, Engine, add_to_corpus, content_owners
from assistant.indexing.dense import INDEX_TYPES
from assistant.indexing.lexical import BM25Parameters
from assistant.indexing.passage_file import TEXT_FORMATS, read_jsonl
from assistant.indexing.store import (
    IndexUnavailable,
    PassageFileSettings,
    build_passage_index,
    current_generation,
    embed_shard,
)
from assistant.indexing.vector_store import BACKENDS, IndexSettings
from assistant.presentation.access import (
    AUTH_FILE,
    ENV_AUTH_FILE,
    PUBLIC_SCOPES,
    Scope,
    hash_password,
    hash_token,
    new_token,
    read_auth_file,
    write_auth_file,
)
from assistant.presentation.audit import AUDIT_FILE, Action, AuditEntry, AuditLog
from assistant.presentation.management import ManagementError, list_versions
from assistant.presentation.service import PolicyService, ReadOnlyError
from assistant.presentation.upload import UploadRefused
from assistant.retrieval.adaptation import (
    ADAPTERS,
    DEFAULT_ADAPTER,
    Adaptation,
    AdaptationFitter,
    NoTrainingPairsError,
    answered_questions,
)
from assistant.retrieval.question import QuestionError, normalize_question
from assistant.retrieval.retriever import MODES
from assistant.retrieval.settings import RetrievalSettings
from assistant.staging import STAGING_DIR, staged_rows
from assistant.versions import VersionStore


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except IndexUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant", description="政策问答: cited retrieval over policy documents"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="documents folder (default: corpus/)")
    common.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index/)")
    common.add_argument(
        "--model",
        default="default",
        help="'default' (bundled multilingual-e5-small) or a sentence-transformers directory/name",
    )
    add_index_arguments(common)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", parents=[common], help="build or update index/ from corpus/")
    build.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="only embed shard I of N of the new documents into the index's checkpoint (run N at once, then build)",
    )
    build.add_argument(
        "--passages",
        type=Path,
        metavar="FILE",
        help="index FILE's passages as given ({id,title,text} lines, e.g. a benchmark's corpus.jsonl) into --index, "
        "searched with the policy steps off (retrieval.json in --index); --corpus is not read",
    )
    build.add_argument(
        "--text-format", choices=TEXT_FORMATS, default="title+text", help="with --passages: indexed text"
    )
    build.add_argument(
        "--bm25-k1", type=float, help=f"BM25 k1, kept in the index's retrieval settings (default {BM25Parameters.k1})"
    )
    build.add_argument(
        "--bm25-b", type=float, help=f"BM25 b, kept in the index's retrieval settings (default {BM25Parameters.b})"
    )
    build.add_argument(
        "--sentence-mix",
        type=float,
        default=1.0,
        help="with --passages: dense score = MIX x the passage's + (1 - MIX) x its best sentence's (below 1 every "
        "sentence is embedded too; default 1: the passage's alone)",
    )
    build.set_defaults(handler=_build)

    adapt = commands.add_parser(
        "adapt", parents=[common], help="learn query expansion and a query adapter from answered questions"
    )
    adapt.add_argument(
        "answered",
        type=Path,
        nargs="?",
        help='JSONL: {"question","positive_ids"} lines (a benchmark\'s training queries) or an exported feedback '
        "file (its 👍 answers and the passages they cited)",
    )
    adapt.add_argument("--adapter", choices=ADAPTERS, default=DEFAULT_ADAPTER, help="how the query adapter is fitted")
    adapt.add_argument("--remove", action="store_true", help="remove the index's adaptation")
    adapt.set_defaults(handler=_adapt)

    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder with audit.jsonl (default: data/)")
    add = commands.add_parser("add", parents=[common, data], help="add documents to the corpus and the index")
    add.add_argument("files", nargs="+", type=Path)
    add.set_defaults(handler=_add)

    remove = commands.add_parser(
        "remove", parents=[common, data], help="delete a document from the corpus and the index (restorable)"
    )
    remove.add_argument("doc", help="doc_id or file name")
    remove.set_defaults(handler=_manage)
    meta = commands.add_parser(
        "meta", parents=[common, data], help="correct a document's metadata (kept in corpus/manifest.json)"
    )
    meta.add_argument("doc", help="doc_id or file name")
    for name in META_FIELDS:
        meta.add_argument(f"--{name.replace('_', '-')}", dest=name, help="an empty value restores the document's own")
    meta.set_defaults(handler=_manage)
    versions = commands.add_parser("versions", parents=[common], help="the kept earlier versions of a document")
    versions.add_argument("doc", help="doc_id or file name (also of a deleted document)")
    versions.add_argument("--json", action="store_true", help="print JSON")
    versions.set_defaults(handler=_versions)
    restore = commands.add_parser("restore", parents=[common, data], help="make a kept version the current file")
    restore.add_argument("doc", help="doc_id or file name (also of a deleted document)")
    restore.add_argument("version", help="a version id from `versions`")
    restore.set_defaults(handler=_manage)
    stage = commands.add_parser(
        "stage", parents=[common, data], help="stage documents for review: indexed, searchable by admins only"
    )
    stage.add_argument("files", nargs="+", type=Path)
    stage.set_defaults(handler=_stage)
    staged = commands.add_parser("staged", parents=[common], help="the documents staged for review")
    staged.add_argument("--json", action="store_true", help="print JSON")
    staged.set_defaults(handler=_staged)
    publish = commands.add_parser("publish", parents=[common, data], help="make a staged document public")
    publish.add_argument("doc", help="doc_id or file name of the staged document")
    publish.add_argument(
        "--replace", action="store_true", help="replace a public file of the same name (kept as a version)"
    )
    publish.set_defaults(handler=_manage)
    discard = commands.add_parser(
        "discard", parents=[common, data], help="drop a staged document unpublished (kept as a version)"
    )
    discard.add_argument("doc", help="doc_id or file name of the staged document")
    discard.set_defaults(handler=_manage)
    audit = commands.add_parser("audit", parents=[data], help="print the audit log of administrative actions")
    audit.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    audit.set_defaults(handler=_audit)

    auth = commands.add_parser("auth", help="admin password and API tokens (stored hashed in DATA/auth.json)")
    auth.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder of the app (default: data/)")
    auth_commands = auth.add_subparsers(dest="auth_command", required=True)
    auth_commands.add_parser("set-password", help="set the admin password (read from the terminal or stdin)")
    add_token = auth_commands.add_parser("add-token", help="create an API token; it is printed once")
    add_token.add_argument("name", help="who the token is for, e.g. hotline-system")
    add_token.add_argument(
        "--scopes",
        type=_scopes,
        default=sorted(PUBLIC_SCOPES),
        help=f"comma-separated, from {', '.join(s.value for s in Scope)} (default: the public ones)",
    )
    revoke = auth_commands.add_parser("revoke", help="delete an API token by name")
    revoke.add_argument("name")
    auth_commands.add_parser("list", help="the admin user and the tokens' names and scopes")
    auth.set_defaults(handler=_auth)

    search = commands.add_parser("search", parents=[common], help="search the index")
    search.add_argument("question", nargs="?", help="the question")
    search.add_argument("--k", type=int, default=10, help="number of hits (default 10)")
    search.add_argument("--region", help="only documents of this jurisdiction (e.g. 高县)")
    search.add_argument("--year", type=int, help="only documents of this year")
    search.add_argument("--doc", action="append", dest="docs", help="only this document id (repeatable)")
    search.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode (default hybrid)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--queries", type=Path, help="JSONL file of {id, question} to run in batch")
    search.add_argument("--out", type=Path, help="with --queries: JSONL output file (default stdout)")
    _add_read_only(search)
    search.set_defaults(handler=_search)

    ask = commands.add_parser("ask", parents=[common], help="answer a question with citations")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--region", help="only documents of this jurisdiction (e.g. 高县)")
    ask.add_argument("--year", type=int, help="only documents of this year")
    ask.add_argument("--doc", action="append", dest="docs", help="only this document id (repeatable)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--queries", type=Path, help="JSONL file of {id, question} to answer in batch")
    ask.add_argument("--out", type=Path, help="with --queries: JSONL output file (default stdout)")
    _add_read_only(ask)
    ask.set_defaults(handler=_ask)
    return parser


def _add_read_only(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="use the index as it is: nothing is written to the index or corpus folder (no update, no lock file)",
    )


def add_index_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the vectors live: the same flags for the CLI and the web app, so one setting switches both."""
    store = parser.add_argument_group("vector store")
    store.add_argument("--backend", choices=BACKENDS, default="faiss", help="where the vectors live (default faiss)")
    store.add_argument(
        "--dense-index",
        choices=INDEX_TYPES,
        default="auto",
        help="FAISS index type (default auto: exact flat up to 200,000 vectors, IVF above)",
    )
    store.add_argument(
        "--milvus-uri",
        default="",
        help="Milvus server (http://host:19530) or milvus-lite file (default: INDEX/milvus.db); "
        "the token, if any, is read from $POLICY_QA_MILVUS_TOKEN",
    )
    store.add_argument("--milvus-collection", default="policy_qa", help="Milvus collection (default policy_qa)")
    store.add_argument(
        "--milvus-index",
        default="AUTOINDEX",
        help="Milvus vector index type: AUTOINDEX (default), HNSW, IVF_FLAT, FLAT…",
    )


def _open(args: argparse.Namespace, update: bool = True) -> Engine:
    engine = Engine.open(
        args.corpus,
        args.index,
        args.model,
        update=update,
        progress=sys.stderr.isatty(),
        index=index_settings(args),
        read_only=getattr(args, "read_only", False),
    )
    if engine.report.changed or engine.report.failed or engine.report.recovered or engine.report.not_updated:
        print(engine.report.summary(), file=sys.stderr)
    for name, reason in engine.report.failed.items():
        print(f"warning: not indexed: {name}: {reason}", file=sys.stderr)
    return engine


def index_settings(args: argparse.Namespace) -> IndexSettings:
    """The parsed ``add_index_arguments`` flags; the Milvus token comes from the environment, never argv."""
    return IndexSettings(
        backend=args.backend,
        dense_type=args.dense_index,
        milvus_uri=args.milvus_uri,
        milvus_collection=args.milvus_collection,
        milvus_index=args.milvus_index,
        milvus_token=os.environ.get("POLICY_QA_MILVUS_TOKEN", ""),
    )


def _shard(text: str) -> tuple[int, int]:
    shard, _, shards = text.partition("/")
    if not (shard.isdigit() and shards.isdigit() and int(shard) < int(shards)):
        raise argparse.ArgumentTypeError(f"expected I/N with 0 <= I < N, got {text!r}")
    return int(shard), int(shards)


def _build(args: argparse.Namespace) -> int:
    if args.passages:
        return _build_passages(args)
    if args.bm25_k1 is not None or args.bm25_b is not None:  # BM25 is rebuilt with them; nothing is embedded
        settings = RetrievalSettings.load(args.index)
        k1, b = args.bm25_k1 or settings.bm25_k1, settings.bm25_b if args.bm25_b is None else args.bm25_b
        args.index.mkdir(parents=True, exist_ok=True)
        replace(settings, bm25_k1=k1, bm25_b=b).save(args.index)
    if args.shard:
        embedder = SentenceTransformerEmbedder(args.model)
        embedded = embed_shard(args.index, args.corpus, embedder, *args.shard, progress=sys.stderr.isatty())
        print(f"shard {args.shard[0]}/{args.shard[1]}: {embedded} passages embedded into the checkpoint")
        return 0
    engine = _open(args)
    print(
        f"index ready: {len(engine.store.documents)} documents, {len(engine.store.passages)} passages "
        f"in {engine.store.directory}"
    )
    return 0


def _build_passages(args: argparse.Namespace) -> int:
    k1 = BM25Parameters.k1 if args.bm25_k1 is None else args.bm25_k1
    b = BM25Parameters.b if args.bm25_b is None else args.bm25_b
    settings = RetrievalSettings.passages_as_given(bm25_k1=k1, bm25_b=b, sentence_mix=args.sentence_mix)
    indexing = PassageFileSettings(args.text_format, settings.bm25, settings.sentence_mix < 1.0)
    embedder = SentenceTransformerEmbedder(args.model)
    store = build_passage_index(
        args.index, args.passages, embedder, indexing, progress=sys.stderr.isatty(), index=index_settings(args)
    )
    settings.save(args.index)
    print(f"index ready: {len(store.passages)} passages of {args.passages} in {store.directory}")
    return 0


def _adapt(args: argparse.Namespace) -> int:
    if args.remove:
        Adaptation.remove(args.index)
        print(f"adaptation removed from {args.index}")
        return 0
    if args.answered is None:
        print("error: give an answered-questions file or --remove", file=sys.stderr)
        return 2
    engine = _open(args)
    answered = answered_questions(read_jsonl(args.answered), engine.store)
    try:
        vectors = engine.embedder.encode_queries([question.question for question in answered]) if answered else None
        adaptation = AdaptationFitter(engine.store, answered, vectors, args.adapter).fit()
    except NoTrainingPairsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    adaptation.save(args.index)
    print(f"adaptation fitted on {adaptation.questions} answered questions, saved in {args.index}")
    return 0


def _scopes(text: str) -> list[Scope]:
    try:
        return sorted({Scope(part.strip()) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}; scopes are {', '.join(s.value for s in Scope)}") from error


def _auth(args: argparse.Namespace) -> int:
    """Credentials are typed or piped in, never passed as arguments (they would show in ps and history)."""
    path = Path(os.environ.get(ENV_AUTH_FILE) or args.data / AUTH_FILE)
    data = read_auth_file(path)
    tokens = [token for token in data.get("tokens", []) if token["name"] != getattr(args, "name", None)]
    if args.auth_command == "set-password":
        password = getpass.getpass("admin password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        if len(password) < 12:
            print("refused: the admin password needs at least 12 characters", file=sys.stderr)
            return 2
        data["admin_user"], data["admin_password_hash"] = data.get("admin_user", "admin"), hash_password(password)
        print(f"admin password set in {path} (user: {data['admin_user']})")
    elif args.auth_command == "add-token":
        token = new_token()
        tokens.append({"name": args.name, "sha256": hash_token(token), "scopes": [s.value for s in args.scopes]})
        data["tokens"] = tokens
        print(token)
        print(
            f"token {args.name!r} ({', '.join(s.value for s in args.scopes)}) saved in {path}; shown only now",
            file=sys.stderr,
        )
    elif args.auth_command == "revoke":
        if len(tokens) == len(data.get("tokens", [])):
            print(f"no token named {args.name!r}", file=sys.stderr)
            return 1
        data["tokens"] = tokens
        print(f"token {args.name!r} revoked")
    else:
        password = "set" if data.get("admin_password_hash") else "not set"
        print(f"admin user: {data.get('admin_user', 'admin')} (password {password})")
        for token in data.get("tokens", []):
            print(f"token {token['name']}: {', '.join(token['scopes'])}")
        return 0
    write_auth_file(path, data)
    return 0


def _actor() -> str:
    """Who runs a command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _add(args: argparse.Namespace) -> int:
    versions = VersionStore(args.corpus)
    for path in args.files:  # a file of the same name is replaced: its version is kept
        if (args.corpus / path.name).is_file() and path.is_file():
            versions.keep(args.corpus / path.name, path.name, "replaced")
    added, refused = add_to_corpus(
        args.files, args.corpus, elsewhere=content_owners(args.corpus / STAGING_DIR, "staged")
    )
    for name, reason in refused.items():
        print(f"not added: {name}: {reason}", file=sys.stderr)
    engine = _open(args)
    audit = AuditLog(args.data / AUDIT_FILE)
    for name in added:
        entry = engine.store.manifest["documents"].get(name)
        if entry is not None:
            audit.record(AuditEntry(_actor(), Action.UPLOAD, entry["doc_id"], name, entry["hash"], after=entry["meta"]))
    print(
        f"added {len(added)} file(s); index: {len(engine.store.documents)} documents, "
        f"{len(engine.store.passages)} passages"
    )
    if engine.report.not_updated:  # in the corpus, not yet in the index: the next build picks them up
        return 1
    failed_added = [name for name in added if name in engine.report.failed]
    return 1 if (refused or failed_added) and not (set(added) - set(failed_added)) else 0


def _manage(args: argparse.Namespace) -> int:
    """remove, meta, restore, publish, discard: one index refresh each, audited as ``cli:<user>``."""
    service = PolicyService(_open(args), audit=AuditLog(args.data / AUDIT_FILE))
    try:
        if args.command == "remove":
            result = service.admin.remove(args.doc, _actor())
        elif args.command == "publish":
            result = service.admin.publish(args.doc, args.replace, _actor())
        elif args.command == "discard":
            result = service.admin.discard(args.doc, _actor())
        elif args.command == "restore":
            result = service.admin.restore(args.doc, args.version, _actor())
        else:
            changes = {name: getattr(args, name) for name in META_FIELDS if getattr(args, name) is not None}
            result = service.admin.edit_meta(args.doc, changes, _actor())
    except (ManagementError, ReadOnlyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(result.message)
    if result.after:
        print(_json(result.after))
    return 0


def _stage(args: argparse.Namespace) -> int:
    """The same checks as an upload (``PolicyService.add_documents``); the files stay out of the public index."""
    service = PolicyService(_open(args), audit=AuditLog(args.data / AUDIT_FILE))
    try:
        result = service.admin.upload([(path, path.name) for path in args.files], False, _actor(), stage=True)
    except (ReadOnlyError, UploadRefused) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name in result.added:
        print(f"staged: {name}")
    for name, reason in result.refused.items():
        print(f"not staged: {name}: {reason}", file=sys.stderr)
    return 1 if result.refused and not result.added else 0


def _staged(args: argparse.Namespace) -> int:
    """Reads the staging index's manifest only: no model is loaded."""
    generation = current_generation(args.index / STAGING_DIR)
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8")) if generation else {}
    rows = staged_rows(manifest.get("documents", {}), args.corpus / STAGING_DIR)
    if args.json:
        print(_json({"documents": rows}, indent=1))
    elif not rows:
        print("nothing is staged")
    for row in rows if not args.json else []:
        print(f"{row['doc_id']}  {row['staged_at']}  {row['file']}  《{row['title']}》  {row['passages']} passages")
    return 0


def _versions(args: argparse.Namespace) -> int:
    """Reads the index manifest only: no model is loaded."""
    generation = current_generation(args.index)
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8")) if generation else {}
    try:
        name, versions = list_versions(args.doc, manifest.get("documents", {}), args.corpus)
    except ManagementError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(_json({"file": name, "versions": versions}, indent=1))
    elif not versions:
        print(f"{name}: no kept versions")
    for version in versions if not args.json else []:
        mark = " (current)" if version["current"] else ""
        print(f"{version['version']}  {version['saved_at']}  {version['reason']}  {version['bytes']} bytes{mark}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    log = AuditLog(args.data / AUDIT_FILE)
    sys.stdout.write(log.export_csv() if args.format == "csv" else log.export_jsonl())
    return 0


def _search(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.queries is None):
        print("error: give a question or --queries FILE (not both)", file=sys.stderr)
        return 2
    engine = _open(args)
    if args.queries:
        return _search_batch(engine, args)
    try:
        question = normalize_question(args.question)
    except QuestionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    hits = engine.retriever.search(question, args.k, args.region, args.year, args.docs, args.mode)
    if args.json:
        print(json.dumps({"question": question, "hits": [hit.to_dict() for hit in hits]}, ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关段落。")
    for hit in hits:
        why = ", ".join(f"{leg} #{rank}" for leg, rank in hit.leg_ranks.items())
        place = f"{hit.meta.region}（{hit.meta.year}）《{hit.meta.title}》"
        print(
            f"[{hit.rank}] {hit.score:.4f}  {place}\n    {hit.passage.section_path}  ({why}; "
            f"chars {hit.passage.start}-{hit.passage.end})\n    {hit.passage.text.replace(chr(10), ' ')[:200]}\n"
        )
    return 0


def _ask(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.queries is None):
        print("error: give a question or --queries FILE (not both)", file=sys.stderr)
        return 2
    engine = _open(args)
    answerer = Answerer(engine.retriever)
    generation = GenerationSettings.from_env()
    generator = GeneratingAnswerer(answerer, generation) if generation else None
    stream_to_stdout = generator is not None and not args.json and not args.queries

    def answer_one(question: str) -> Answer:
        filters = {"region": args.region, "year": args.year, "doc_ids": args.docs}
        if generator is None:
            return answerer.answer(question, None, **filters)
        final: Answer | None = None
        for item in generator.stream(question, None, **filters):
            if isinstance(item, Answer):
                final = item
            elif stream_to_stdout:
                print(item, end="", flush=True)
        assert final is not None
        return final

    if args.queries:
        return _batch(args, lambda item: {**answer_one(str(item.get("question", ""))).to_dict(), "id": item.get("id")})
    answer = answer_one(args.question)
    if not answer.understood:  # the question itself was unusable
        print(f"error: {answer.message}", file=sys.stderr)
        return 2
    if args.json:
        print(_json(answer.to_dict(), indent=1))
        return 0
    print("" if stream_to_stdout and answer.generated else answer.text)
    for citation in answer.citations:
        meta = citation.hit.meta
        print(
            f"  [{citation.n}] {meta.region}（{meta.year}）《{meta.title}》 {citation.hit.passage.section_path} "
            f"(chars {citation.hit.passage.start}-{citation.hit.passage.end})"
        )
    return 0


def _batch(args: argparse.Namespace, handle_item: Callable[[dict], dict]) -> int:
    """Run one JSONL line at a time; a bad line is reported and the rest go on."""
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    try:
        with args.queries.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as error:
                    print(f"warning: line {number}: not JSON ({error})", file=sys.stderr)
                    continue
                out.write(_json(handle_item(item)) + "\n")
    finally:
        if args.out:
            out.close()
    return 0


def _json(record: dict, indent: int | None = None) -> str:
    """JSON with Chinese kept readable; a lone surrogate echoed from the input stays a ``\\udXXX`` escape."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _search_batch(engine: Engine, args: argparse.Namespace) -> int:
    def handle_item(item: dict) -> dict:
        try:
            question = normalize_question(str(item.get("question", "")))
        except QuestionError as error:
            print(f"warning: {item.get('id')}: {error}", file=sys.stderr)
            return {"id": item.get("id"), "hits": []}
        hits = engine.retriever.search(question, args.k, args.region, args.year, args.docs, args.mode)
        return {"id": item.get("id"), "hits": [hit.to_dict() for hit in hits]}

    return _batch(args, handle_item)
