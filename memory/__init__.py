"""Memory for agents (import name ``agentkit.memory``).

Chroma-backed short-term memory and a long-term user profile arrive with a
later issue; nothing is exported yet.
"""

__all__: list[str] = []
