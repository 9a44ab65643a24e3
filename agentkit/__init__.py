"""agentkit: a LangGraph runtime for AI agents that operate phone apps."""

from agentkit.errors import AgentkitError, ModelRetry

__all__ = ["AgentkitError", "ModelRetry"]
