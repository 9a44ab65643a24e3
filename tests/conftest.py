"""Fixtures shared by the test modules."""

import pytest

from agentkit.testing import HashEmbedder
from agentkit.tools.loading import load_registry
from agentkit.tools.phone import Phone
from agentkit.tools.retrieval import ToolIndex


@pytest.fixture(scope="module")
def registry():
    """Every installed tool (the built-in phone apps), once per test module."""
    return load_registry()


@pytest.fixture(scope="module")
def index(registry):
    """A tool index over ``registry`` with the hashing test embedder (no model)."""
    return ToolIndex(registry, HashEmbedder())


@pytest.fixture
def phone():
    """A fresh in-memory phone with the default seed."""
    p = Phone()
    yield p
    p.close()
