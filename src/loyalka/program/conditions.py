"""Rule conditions in CEL (Common Expression Language), evaluated by cel-python: no `eval`, no I/O.

A rule's condition sees ``account`` (region, industry, tags, status, tier, id) and its event's map: ``order``
(``OrderView.as_condition_input``), ``payment`` (``engine.b2b.payment_facts``) or ``activity``
(``engine.b2b.activity_facts``); a segment's sees a richer ``account``. Money values are integers in
kopecks. The loader checks each condition names only fields its event gives and tries it on a sample
(``program/checks.py``). Compiling happens once per program load; evaluation costs about 0.4 ms
(bench/bench_conditions.py), so rules without ``when`` skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import celpy
from celpy import celtypes

from loyalka.errors import InvalidInput


class ConditionError(ValueError):
    pass


@lru_cache(maxsize=512)
def compile_condition(source: str) -> celpy.Runner:
    env = celpy.Environment()
    try:
        ast = env.compile(source)
    except Exception as exc:  # celpy raises its own parse error types
        raise ConditionError(f"not a valid CEL expression: {str(exc).strip().splitlines()[0]}") from exc
    return env.program(ast)


def evaluate(source: str, activation: Mapping[str, Mapping[str, Any]]) -> bool:
    runner = compile_condition(source)
    try:
        result = runner.evaluate({name: celpy.json_to_cel(dict(value)) for name, value in activation.items()})
    except celpy.CELEvalError as exc:  # the program's condition fails on this event: a clear error, not a crash
        reason = exc.args[0] if exc.args else exc
        raise InvalidInput(
            f"condition {source!r} cannot be evaluated: {reason}", code="condition_error", field="when"
        ) from exc
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    raise InvalidInput(
        f"condition {source!r} did not give true or false but {result!r}", code="condition_error", field="when"
    )
