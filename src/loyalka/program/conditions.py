"""Rule conditions in CEL (Common Expression Language), evaluated by cel-python: no `eval`, no I/O.

A condition sees two maps: ``order`` (total, occurred_month, contact_id...) and ``account`` (region,
industry, tags, status...). Money values are integers in kopecks. Compiling happens once per program
load; evaluation costs about 0.4 ms (bench/bench_conditions.py), so rules without ``when`` skip it.
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
    result = runner.evaluate({name: celpy.json_to_cel(dict(value)) for name, value in activation.items()})
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    raise InvalidInput(f"condition {source!r} did not give true or false but {result!r}", code="condition_error")
