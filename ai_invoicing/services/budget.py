"""Per-company daily LLM budget (counted by the caller from its logs)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    max_calls: int = 0  # 0 = unlimited
    max_tokens: int = 0  # 0 = unlimited
    used_calls: int = 0
    used_tokens: int = 0

    def exhausted_reason(self) -> str | None:
        """A plain sentence when the budget is spent, else None."""
        if self.max_calls and self.used_calls >= self.max_calls:
            return (
                f"Daily LLM budget of {self.max_calls} calls is spent ({self.used_calls} used); "
                "using template text until tomorrow."
            )
        if self.max_tokens and self.used_tokens >= self.max_tokens:
            return (
                f"Daily LLM budget of {self.max_tokens} tokens is spent ({self.used_tokens} used); "
                "using template text until tomorrow."
            )
        return None
