"""Model backends: on-device GGUF models via llama.cpp, and a scripted test double.

Any LangChain ``BaseChatModel`` with ``bind_tools`` can drive an agent; these
are the ones agentkit ships.
"""

from __future__ import annotations

import functools
from typing import Any

from agentkit.models.scripted import ScriptedChatModel
from agentkit.models.weights import DEFAULT_MODEL, MODELS, resolve_gguf

__all__ = ["DEFAULT_MODEL", "MODELS", "ScriptedChatModel", "load_model", "resolve_gguf"]


@functools.lru_cache(maxsize=4)
def _load_cached(spec: str, options: tuple) -> Any:
    from agentkit.models.llamacpp import LlamaCppChatModel

    path = resolve_gguf(spec)
    name = spec if spec in MODELS else path.name
    model = LlamaCppChatModel(model_path=str(path), model_name=name, **dict(options))
    model.load()
    return model


def load_model(spec: str = DEFAULT_MODEL, **options: Any) -> Any:
    """Load an on-device model by name or GGUF path (one instance per spec and options).

    Args:
        spec: A name from :data:`MODELS` (e.g. ``"qwen2.5-0.5b"``) or a path to a ``.gguf``.
        **options: Fields of ``LlamaCppChatModel`` (``n_ctx``, ``kv_reuse``, ...).

    Returns:
        A loaded ``LlamaCppChatModel``.

    Raises:
        ConfigurationError: unknown name and no such file.
        ModelLoadError: the weights or llama-cpp-python are missing or broken.
    """
    return _load_cached(spec, tuple(sorted(options.items())))
