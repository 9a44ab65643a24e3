"""Fixtures shared by the test modules."""

import pytest
from hypothesis import settings

from agentkit.testing import HashEmbedder
from agentkit.tools.loading import load_registry
from agentkit.tools.phone import Phone
from agentkit.tools.retrieval import ToolIndex


# tests never fail on timing: a property test's example may take longer than hypothesis' 200 ms
# default on a busy 2-core machine (a model run beside the suite), which is no fault of the code
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


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
