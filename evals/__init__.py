"""Eval suites of phone tasks judged by the final device state (``agentkit.evals``)."""

from agentkit.evals.judge import Verdict, judge
from agentkit.evals.reference import ReferenceResult, reference_solver
from agentkit.evals.report import Report, TaskRun, format_table
from agentkit.evals.runner import answer_confirmations, run_suite
from agentkit.evals.tasks import AnswerCheck, Check, Confirmation, Suite, Task, list_suites, load_suite, parse_suite

__all__ = [
    "AnswerCheck",
    "Check",
    "Confirmation",
    "ReferenceResult",
    "Report",
    "Suite",
    "Task",
    "TaskRun",
    "Verdict",
    "answer_confirmations",
    "format_table",
    "judge",
    "list_suites",
    "load_suite",
    "parse_suite",
    "reference_solver",
    "run_suite",
]
