"""The token loop for llama.cpp: KV-cache prefix reuse and cheap grammar checks.

llama-cpp-python's own ``generate`` runs a grammar over the whole vocabulary
(151k tokens for Qwen) at every step, which roughly halves decode speed. Like
llama.cpp's ``common_sampler``, this loop first picks a token from the raw
logits and asks the grammar about that one token; only when the grammar
rejects it is the grammar applied to the full vocabulary. The result is the
same token the full check would give (greedy), at a fraction of the cost.
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass
from typing import Any, Callable, Generator

import numpy as np

__all__ = ["DecodeStats", "decode", "decode_steps", "GrammarFilter"]


@dataclass
class DecodeStats:
    """What one decode call cost."""

    prompt_tokens: int
    """Tokens in the prompt."""
    prompt_tokens_evaluated: int
    """Prompt tokens actually run through the model (the rest came from the KV cache)."""
    prompt_seconds: float
    """Time to evaluate the prompt."""
    completion_tokens: int
    """Tokens generated."""
    decode_seconds: float
    """Time spent generating them."""
    grammar_fallbacks: int = 0
    """Steps where the first choice broke the grammar and the full check ran."""

    def __add__(self, other: "DecodeStats") -> "DecodeStats":
        return DecodeStats(
            prompt_tokens=self.prompt_tokens,
            prompt_tokens_evaluated=self.prompt_tokens_evaluated + other.prompt_tokens_evaluated,
            prompt_seconds=self.prompt_seconds + other.prompt_seconds,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            decode_seconds=self.decode_seconds + other.decode_seconds,
            grammar_fallbacks=self.grammar_fallbacks + other.grammar_fallbacks,
        )


class GrammarFilter:
    """A llama.cpp grammar sampler used as an accept/reject filter."""

    def __init__(self, llm: Any, gbnf: str, root: str = "root") -> None:
        import llama_cpp

        self._lib = llama_cpp
        self._smpl = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, gbnf.encode(), root.encode())
        if not self._smpl:
            raise ValueError("llama.cpp rejected the grammar")
        n_vocab = llm.n_vocab()
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all = (llama_cpp.llama_token_data * n_vocab)()
        view = np.ctypeslib.as_array(self._all)
        self._all_view = view
        self._ids = np.arange(n_vocab, dtype=np.int32)

    def _apply(self, data: Any, size: int) -> None:
        arr = self._lib.llama_token_data_array(
            data=ctypes.cast(data, self._lib.llama_token_data_p), size=size, selected=-1, sorted=False
        )
        self._lib.llama_sampler_apply(self._smpl, ctypes.byref(arr))

    def allows(self, token: int, logit: float) -> bool:
        """Whether the grammar accepts ``token`` next."""
        self._one[0].id, self._one[0].logit, self._one[0].p = token, logit, 0.0
        self._apply(self._one, 1)
        return bool(np.isfinite(self._one[0].logit))

    def mask(self, logits: np.ndarray) -> np.ndarray:
        """Logits with every token the grammar forbids set to -inf."""
        view = self._all_view
        view["id"] = self._ids
        view["logit"] = logits
        view["p"] = 0.0
        self._apply(self._all, len(logits))
        return view["logit"].copy()

    def accept(self, token: int) -> None:
        """Advance the grammar past ``token``."""
        self._lib.llama_sampler_accept(self._smpl, token)

    def close(self) -> None:
        """Free the native sampler."""
        if self._smpl:
            self._lib.llama_sampler_free(self._smpl)
            self._smpl = None

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass


def _reuse_prefix(llm: Any, tokens: list[int], kv_reuse: bool) -> int:
    """Keep the longest cached prefix of ``tokens``; return how many tokens are kept."""
    if not kv_reuse or llm.n_tokens == 0:
        llm.reset()
        return 0
    cached = llm.input_ids[: llm.n_tokens]
    n = min(len(cached), len(tokens))
    same = np.asarray(cached[:n]) == np.asarray(tokens[:n], dtype=cached.dtype)
    prefix = int(n if same.all() else np.argmin(same))
    prefix = min(prefix, len(tokens) - 1)  # logits must come from a fresh eval of the last token
    if prefix > 0 and llm._ctx.kv_cache_seq_rm(-1, prefix, -1):
        llm.n_tokens = prefix
        return prefix
    llm.reset()
    return 0


def decode(llm: Any, tokens: list[int], max_tokens: int, **options: Any) -> tuple[list[int], DecodeStats]:
    """Evaluate ``tokens`` and generate up to ``max_tokens`` new ones (see :func:`decode_steps` for ``options``)."""
    steps = decode_steps(llm, tokens, max_tokens, **options)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def decode_steps(
    llm: Any,
    tokens: list[int],
    max_tokens: int,
    *,
    grammar: GrammarFilter | None = None,
    stop_when: Callable[[list[int]], bool] | None = None,
    temperature: float = 0.0,
    kv_reuse: bool = True,
    rng: np.random.Generator | None = None,
    banned: np.ndarray | None = None,
) -> Generator[None, None, tuple[list[int], DecodeStats]]:
    """Evaluate ``tokens`` and generate up to ``max_tokens`` new ones, pausing after each token.

    A generator: it yields (None) after each generated token that does not end
    the reply, before evaluating it, so a caller can pass on what was decoded
    so far in its own thread (llama.cpp's OpenMP threads run much slower when
    a second thread decodes). :func:`decode` runs it to the end.

    Args:
        llm: A loaded ``llama_cpp.Llama``.
        tokens: The full prompt.
        max_tokens: Generation limit.
        grammar: Optional grammar the output must follow.
        stop_when: Called with the tokens generated so far; True stops.
        temperature: 0 for greedy decoding.
        kv_reuse: Keep the KV cache for the prefix shared with the last call.
        rng: Random generator for temperature > 0.
        banned: Token ids that may not be generated.

    Returns:
        (generated tokens without the end-of-generation token, stats), as the generator's return value.
    """
    import llama_cpp

    vocab = llm._model.vocab
    t0 = time.perf_counter()
    kept = _reuse_prefix(llm, tokens, kv_reuse)
    llm.eval(tokens[kept:])
    t1 = time.perf_counter()
    out: list[int] = []
    fallbacks = 0
    n_vocab = llm.n_vocab()
    rng = rng or np.random.default_rng(0)
    while len(out) < max_tokens:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(n_vocab,))
        if banned is not None:
            logits = logits.copy()
            logits[banned] = -np.inf
        tok = _pick(logits, temperature, rng)
        if grammar is not None:
            if not grammar.allows(tok, float(logits[tok])):
                fallbacks += 1
                masked = grammar.mask(logits)
                if not np.isfinite(masked).any():
                    break  # the grammar is complete: nothing more may follow
                tok = _pick(masked, temperature, rng)
            grammar.accept(tok)
        if llama_cpp.llama_vocab_is_eog(vocab, tok):
            break
        out.append(tok)
        if stop_when is not None and stop_when(out):
            break
        yield
        if len(out) < max_tokens:
            llm.eval([tok])
    t2 = time.perf_counter()
    stats = DecodeStats(
        prompt_tokens=len(tokens),
        prompt_tokens_evaluated=len(tokens) - kept,
        prompt_seconds=t1 - t0,
        completion_tokens=len(out),
        decode_seconds=t2 - t1,
        grammar_fallbacks=fallbacks,
    )
    return out, stats


def _pick(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    finite = np.isfinite(logits)
    z = np.where(finite, logits / temperature, -np.inf)
    z = z - z[finite].max()
    p = np.exp(z)
    p /= p.sum()
    return int(rng.choice(len(p), p=p))
