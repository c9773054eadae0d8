"""What one invoice carries through the drafting pipeline, step to step."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DraftRun:
    """One freshly drafted invoice on its way to a log (``ai.invoice.agent.drafting``).

    ``scope`` is what the agent drafted for (a project's milestone or period; None for
    an order); ``extra`` holds what an agent's own steps hand each other (the project
    agent's line facts). The rest is filled in by the pipeline's steps in order.
    """

    log: Any
    invoice: Any
    scope: dict | None = None
    narrative: Any = None
    findings: list = field(default_factory=list)
    routing: dict = field(default_factory=dict)
    decision: str = ""
    review: bool = False
    extra: dict = field(default_factory=dict)
