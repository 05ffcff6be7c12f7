"""RetrievalSettings: checked values, unknown names refused, kept beside an index."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieval.settings import RetrievalSettings


def test_unknown_modes_and_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fusion 'sum'"):
        RetrievalSettings(fusion="sum")
    with pytest.raises(ValueError, match="unknown retrieval setting"):
        RetrievalSettings.from_dict({"fusion": "rrf", "diversty_decay": 1.0})
    with pytest.raises(ValueError):
        RetrievalSettings(sentence_mix=1.5)
    with pytest.raises(ValueError):
        RetrievalSettings.from_dict({"scope": "no"})


def test_passage_benchmarks_turn_every_policy_step_off() -> None:
    plain = RetrievalSettings.passages_as_given(bm25_k1=0.6)
    assert not (plain.scope or plain.collapse_duplicates or plain.expand)
    assert (plain.diversity_decay, plain.record_boost, plain.apparatus_weight) == (1.0, 1.0, 1.0)
    assert plain.bm25.k1 == 0.6 and plain.fusion == RetrievalSettings().fusion


def test_settings_round_trip_beside_an_index(tmp_path: Path) -> None:
    assert RetrievalSettings.load(tmp_path) == RetrievalSettings()  # none kept: the defaults
    chosen = RetrievalSettings.passages_as_given(sentence_mix=0.3, bm25_b=0.3)
    chosen.save(tmp_path)
    assert RetrievalSettings.load(tmp_path) == chosen
