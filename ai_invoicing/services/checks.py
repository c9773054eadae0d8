"""Deterministic invoice checks: each yields findings a finance clerk can act on."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["info", "warning", "error"]
_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    check: str


def worst_severity(findings: Iterable[Finding]) -> str | None:
    ranked = sorted(findings, key=lambda f: _RANK[f.severity], reverse=True)
    return ranked[0].severity if ranked else None


def review_reasons(findings: Iterable[Finding]) -> list[str]:
    return [f.message for f in findings if f.severity in ("warning", "error")]


def findings_to_json(findings: Iterable[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
