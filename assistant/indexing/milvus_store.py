"""The dense leg in a Milvus collection (a cluster, or milvus-lite in a local file) via pymilvus.

Rows are keyed by document content hash + ordinal, so a rebuild only deletes the rows of documents that left
or changed and upserts the missing ones: an interrupted sync resumes where it stopped. Scope filters are
pushed down as a ``doc_id in [...]`` expression (the scope has already resolved jurisdictions and years
into documents, including aliases Milvus cannot know).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pymilvus import DataType, MilvusClient
from tqdm import tqdm

from assistant.indexing.vector_store import IndexSettings, PassageRows

RECORD = "milvus.json"
LITE_FILE = "milvus.db"
INSERT_BATCH = 2_000
READ_BATCH = 10_000
KEY_LENGTH = 64
TEXT_LENGTH = 512


def connect(settings: IndexSettings, index_dir: Path) -> MilvusClient:
    """A client for the configured URI; no URI means a milvus-lite file inside the index folder."""
    uri = settings.milvus_uri or str(index_dir / LITE_FILE)
    return MilvusClient(uri=uri, token=settings.milvus_token) if settings.milvus_token else MilvusClient(uri=uri)


def doc_filter(doc_ids: list[str]) -> str:
    """A Milvus boolean expression selecting these documents' rows."""
    return f"doc_id in {json.dumps(sorted(doc_ids), ensure_ascii=False)}"


class MilvusVectorStore:
    """Search a collection, mapping its row keys back to this index generation's passage positions."""

    def __init__(self, client: MilvusClient, collection: str, rows: PassageRows) -> None:
        self.client = client
        self.collection = collection
        self.rows = rows
        self.positions = {key: position for position, key in enumerate(rows.keys)}
        self.doc_ids = np.array(rows.doc_ids, dtype=object)
        self.doc_sizes: dict[str, int] = {}
        for doc_id in rows.doc_ids:
            self.doc_sizes[doc_id] = self.doc_sizes.get(doc_id, 0) + 1

    @property
    def size(self) -> int:
        return len(self.rows.keys)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        expression = "" if allowed is None else self._expression(np.asarray(allowed, dtype=np.int64))
        result = self.client.search(
            self.collection,
            data=[np.asarray(query, dtype=np.float32).tolist()],
            anns_field="vector",
            limit=k,
            filter=expression,
            search_params={"metric_type": "IP"},
        )[0]
        found = [(hit["distance"], self.positions.get(hit["pk"])) for hit in result]
        found = [(score, position) for score, position in found if position is not None]
        return np.array([s for s, _ in found], dtype=np.float32), np.array([p for _, p in found], dtype=np.int64)

    def _expression(self, allowed: np.ndarray) -> str:
        doc_ids = sorted(set(self.doc_ids[allowed].tolist()))
        if sum(self.doc_sizes[doc_id] for doc_id in doc_ids) == len(allowed):  # whole documents
            return doc_filter(doc_ids)
        return f"pk in {json.dumps([self.rows.keys[i] for i in allowed.tolist()])}"

    def save(self, generation: Path) -> None:
        record = {"collection": self.collection, "rows": self.size}
        (generation / RECORD).write_text(json.dumps(record), encoding="utf-8")

    @classmethod
    def load(cls, settings: IndexSettings, index_dir: Path, generation: Path, rows: PassageRows) -> MilvusVectorStore:
        record = json.loads((generation / RECORD).read_text(encoding="utf-8"))
        if record["rows"] != len(rows.keys) or record["collection"] != settings.milvus_collection:
            raise ValueError("the Milvus record disagrees with the passages")
        client = connect(settings, index_dir)
        if not client.has_collection(settings.milvus_collection):
            raise ValueError(f"Milvus collection {settings.milvus_collection!r} is missing")
        client.load_collection(settings.milvus_collection)
        return cls(client, settings.milvus_collection, rows)

    @classmethod
    def sync(
        cls, settings: IndexSettings, index_dir: Path, vectors: np.ndarray, rows: PassageRows, progress: bool = False
    ) -> MilvusVectorStore:
        """Bring the collection to exactly these rows: delete what left, upsert what is missing."""
        client = connect(settings, index_dir)
        name = settings.milvus_collection
        _ensure_collection(client, name, vectors.shape[1], settings.milvus_index)
        wanted = sorted(set(rows.doc_hashes))
        client.delete(name, filter=f"not (doc_hash in {json.dumps(wanted)})" if wanted else "pk != ''")
        present = _present_keys(client, name, wanted)
        missing = [position for position, key in enumerate(rows.keys) if key not in present]
        for start in tqdm(range(0, len(missing), INSERT_BATCH), desc="milvus", unit="batch", disable=not progress):
            batch = missing[start : start + INSERT_BATCH]
            client.upsert(name, [_row(rows, vectors, position) for position in batch])
        client.flush(name)
        client.load_collection(name)
        count = client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]
        if count != len(rows.keys):
            raise RuntimeError(f"Milvus collection {name!r} holds {count} rows, expected {len(rows.keys)}")
        return cls(client, name, rows)


def _row(rows: PassageRows, vectors: np.ndarray, position: int) -> dict:
    return {
        "pk": rows.keys[position],
        "vector": vectors[position].tolist(),
        "doc_id": rows.doc_ids[position][:TEXT_LENGTH],
        "doc_hash": rows.doc_hashes[position],
        "region": rows.regions[position][:TEXT_LENGTH],
        "year": rows.years[position],
    }


def _ensure_collection(client: MilvusClient, name: str, dimension: int, index_type: str) -> None:
    """Create the collection; one of another dimension (another model) is dropped first."""
    if client.has_collection(name):
        fields = client.describe_collection(name)["fields"]
        vector = next((field for field in fields if field["name"] == "vector"), None)
        if vector is not None and int(vector["params"].get("dim", 0)) == dimension:
            return
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=KEY_LENGTH)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=TEXT_LENGTH)
    schema.add_field("doc_hash", DataType.VARCHAR, max_length=KEY_LENGTH)
    schema.add_field("region", DataType.VARCHAR, max_length=TEXT_LENGTH)
    schema.add_field("year", DataType.INT64)
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type=index_type, metric_type="IP")
    indexes.add_index("doc_id", index_type="INVERTED")
    indexes.add_index("doc_hash", index_type="INVERTED")
    client.create_collection(name, schema=schema, index_params=indexes)


def _present_keys(client: MilvusClient, name: str, doc_hashes: list[str]) -> set[str]:
    if not doc_hashes:
        return set()
    iterator = client.query_iterator(
        name, batch_size=READ_BATCH, filter=f"doc_hash in {json.dumps(doc_hashes)}", output_fields=["pk"]
    )
    present: set[str] = set()
    while batch := iterator.next():
        present.update(row["pk"] for row in batch)
    iterator.close()
    return present
