"""Structured outputs the LLM may return: narrative and flags only.

No field can carry an amount, quantity, tax, account or partner into a record:
the only number is a confidence between 0 and 1. Unknown keys are refused.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "warning", "error"]


class RiskFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    severity: Severity
    message: str = Field(min_length=1, max_length=500)


class InvoiceNarrative(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_note: str = Field(max_length=1000)
    rationale: str = Field(min_length=1, max_length=2000)
    risk_flags: list[RiskFlag] = Field(default_factory=list, max_length=10)
    confidence: float = Field(ge=0.0, le=1.0)


class EmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


class RemittanceReferences(BaseModel):
    """References an LLM read in the remittance text of a bank payment: strings only.

    They are matched against the open items by the deterministic engine; they never carry an
    amount, a partner or a decision.
    """

    model_config = ConfigDict(extra="forbid")

    references: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    risk_flags: list[RiskFlag] = Field(default_factory=list, max_length=10)


def strict_json_schema(model: type[BaseModel]) -> dict:
    """The model's JSON schema in the form OpenAI's strict mode accepts.

    Strict mode wants every property required and ``additionalProperties``
    false on every object; defaults are dropped (they are not allowed).
    """
    schema = model.model_json_schema()

    def walk(node):
        if isinstance(node, dict):
            node.pop("default", None)
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


class DunningReminder(BaseModel):
    """A payment reminder: subject and plain-text body (the payment link is a placeholder)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
