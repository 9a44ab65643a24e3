"""agentkit: a LangGraph runtime for AI agents that operate phone apps.

Start with :func:`create_agent`::

    from agentkit import create_agent
    from agentkit.tools.phone import Phone

    agent = create_agent("qwen2.5-1.5b", device=Phone())
    print(agent.run("Text Alice that I'll be 10 minutes late").answer)
"""

from agentkit.agent import Agent, RunResult, create_agent
from agentkit.errors import AgentkitError, ModelRetry

__all__ = ["Agent", "AgentkitError", "ModelRetry", "RunResult", "create_agent"]
