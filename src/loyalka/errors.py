"""The one error hierarchy of Loyalka.

    LoyaltyError                  base: stable ``code``, a message a person can act on, the ``field`` at fault
    ├── InvalidInput              400/422 — a value is malformed (amount, date, INN, CSV row...)
    ├── InvalidProgram            422 — a program file does not validate (carries every issue with its line)
    ├── NotFound                  404 — an account, contact, hold or program that does not exist
    ├── Conflict                  409 — same idempotency key with a different request, a hold already resolved
    ├── InsufficientPoints        422 — the spendable balance does not cover the request
    └── RuleViolation             422 — the program forbids it (cap exceeded, contact may not spend, account left)

Every layer raises these; the API renders them as JSON with the HTTP status carried here, the CLI prints
them with the file and line when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass


class LoyaltyError(Exception):
    status: int = 400
    default_code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(LoyaltyError):
    status = 422
    default_code = "invalid_input"


class NotFound(LoyaltyError):
    status = 404
    default_code = "not_found"


class Conflict(LoyaltyError):
    status = 409
    default_code = "conflict"


class InsufficientPoints(LoyaltyError):
    status = 422
    default_code = "insufficient_points"


class RuleViolation(LoyaltyError):
    status = 422
    default_code = "rule_violation"


@dataclass(frozen=True)
class ProgramIssue:
    """One mistake in a program file: where it is (path and line) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class InvalidProgram(LoyaltyError):
    status = 422
    default_code = "invalid_program"

    def __init__(self, issues: list[ProgramIssue], *, source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        prefix = f"{source}: " if source else ""
        lines = "\n".join(f"  {prefix}{issue}" for issue in issues)
        super().__init__(f"the program has {len(issues)} error(s):\n{lines}", field=issues[0].path if issues else None)

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["issues"] = [{"path": i.path, "line": i.line, "message": i.message} for i in self.issues]
        return data


__all__ = [
    "Conflict",
    "InsufficientPoints",
    "InvalidInput",
    "InvalidProgram",
    "LoyaltyError",
    "NotFound",
    "ProgramIssue",
    "RuleViolation",
]
