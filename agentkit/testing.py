"""Test doubles that ship with agentkit, for unit tests without real models.

Unit tests use these; integration tests and benchmarks use the real models.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Sequence

__all__ = ["HashEmbedder"]

_WORD_RE = re.compile(r"\w+")


class HashEmbedder:
    """Test double: a deterministic, model-free :class:`~agentkit.embeddings.Embedder`.

    Not a real embedding model. Each text becomes a bag of hashed lower-cased
    word tokens plus hashed character trigrams of each word, L2-normalised.
    Texts that share words or word pieces ("alarm"/"alarms") come out close,
    which is enough to test retrieval and storage without loading a model. The
    same text always gives the same vector, in every process.

    Args:
        dim: Vector length.

    Attributes:
        calls: The texts of every :meth:`embed` call, in order, so tests can
            check what was (re-)embedded.
    """

    def __init__(self, dim: int = 256) -> None:
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim!r}")
        self.dim = dim
        self.name = f"hash-embedder-{dim}"
        self.calls: list[list[str]] = []

    def __repr__(self) -> str:
        return f"HashEmbedder(dim={self.dim})"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` into L2-normalised vectors, one per text."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        self.calls.append(list(texts))
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dim
        features: list[tuple[str, float]] = []
        for word in _WORD_RE.findall(text.lower()):
            features.append((f"w:{word}", 1.0))
            padded = f"#{word}#"
            features += [(f"c:{padded[i:i + 3]}", 0.3) for i in range(len(padded) - 2)]
        for feature, weight in features or [("<empty>", 1.0)]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[bucket] += sign * weight
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:  # every feature cancelled out; still return a unit vector
            vector[0], norm = 1.0, 1.0
        return [v / norm for v in vector]
