"""Read a program file: YAML syntax, schema and cross-references, every mistake with its line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from loyalka.errors import InvalidProgram, ProgramIssue
from loyalka.program.checks import cross_check
from loyalka.program.models import Program


def load_program_file(path: str | Path) -> tuple[Program, str]:
    """Parse and validate a program file; returns the program and its source text."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidProgram([ProgramIssue("", f"no such file: {path}")], source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InvalidProgram([ProgramIssue("", "the file is not UTF-8 text")], source=str(path)) from exc
    except OSError as exc:  # a directory, no permission...
        reason = exc.strerror or str(exc)
        raise InvalidProgram([ProgramIssue("", f"the file cannot be read: {reason}")], source=str(path)) from exc
    return parse_program(text, source=str(path)), text


class _ProgramLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: a program has no dates, and "2026-13-45" stays text for the schema
    to judge (with its line) instead of failing in the parser."""


_ProgramLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_program(text: str, *, source: str | None = None) -> Program:
    root = _compose(text, source)
    issues = _duplicate_keys(root, ())
    try:
        data = yaml.load(text, Loader=_ProgramLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be read"
        raise InvalidProgram(
            [ProgramIssue("", f"YAML: {problem}", mark.line + 1 if mark else None)], source=source
        ) from None
    if not isinstance(data, dict):
        raise InvalidProgram(
            [ProgramIssue("", "a program file must be a mapping with a 'program:' section", 1)], source=source
        )
    try:
        program = Program.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = _message(err)
            issues.append(ProgramIssue(_dotted(loc), message, _line_of(root, loc)))
        raise InvalidProgram(issues, source=source) from None
    issues.extend(ProgramIssue(p, m, _line_of(root, tuple(p.split(".")))) for p, m in cross_check(program))
    if issues:
        raise InvalidProgram(issues, source=source)
    return program


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compose(text: str, source: str | None) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_ProgramLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InvalidProgram([ProgramIssue("", f"YAML syntax: {problem}", line)], source=source) from None
    except yaml.YAMLError as exc:
        raise InvalidProgram([ProgramIssue("", f"YAML syntax: {exc}")], source=source) from None


def _duplicate_keys(node: yaml.Node | None, path: tuple[str, ...]) -> list[ProgramIssue]:
    issues: list[ProgramIssue] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                issues.append(ProgramIssue(_dotted((*path, name)), "key is given twice", key.start_mark.line + 1))
            seen.add(name)
            issues.extend(_duplicate_keys(value, (*path, name)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            issues.extend(_duplicate_keys(item, (*path, str(i))))
    return issues


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node that the location reaches (1-based)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-"))


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/program.md for the keys this section takes)"
    if kind == "missing":
        return "required key is missing"
    message = str(err["msg"])
    return message.removeprefix("Value error, ")
