"""Eval suites of phone tasks judged by the final device state (``agentkit.evals``)."""
