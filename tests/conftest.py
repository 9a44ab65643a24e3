"""Fixtures shared by the test modules."""

import pytest

from agentkit.tools.phone import Phone


@pytest.fixture
def phone():
    """A fresh in-memory phone with the default seed."""
    p = Phone()
    yield p
    p.close()
