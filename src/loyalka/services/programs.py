"""Program versions: load a program file, find the version in force, cache parsed programs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.errors import NotFound
from loyalka.program.loader import content_hash, parse_program
from loyalka.program.models import Program
from loyalka.storage.tables import ProgramRow, ProgramVersionRow


@dataclass(frozen=True, slots=True)
class ActiveProgram:
    program_id: int
    version_id: int
    version: int
    rules: Program


@dataclass(frozen=True, slots=True)
class LoadResult:
    code: str
    version: int
    created: bool  # False when this exact text was already loaded


@lru_cache(maxsize=64)
def _parsed(text: str) -> Program:
    return parse_program(text)


def load_program(session: Session, text: str, *, now: datetime, source: str | None = None) -> LoadResult:
    """Store a program text as a new version (validated first); the same text twice is one version."""
    program = parse_program(text, source=source)
    code = program.program.code
    row = session.scalar(select(ProgramRow).where(ProgramRow.code == code))
    if row is None:
        row = ProgramRow(code=code, name=program.program.name.ru, created_at=now)
        session.add(row)
        session.flush()
    digest = content_hash(text)
    existing = session.scalar(
        select(ProgramVersionRow).where(
            ProgramVersionRow.program_id == row.id, ProgramVersionRow.content_hash == digest
        )
    )
    if existing is not None:
        return LoadResult(code, existing.version, created=False)
    latest = session.scalar(select(func.max(ProgramVersionRow.version)).where(ProgramVersionRow.program_id == row.id))
    version = (latest or 0) + 1
    row.name = program.program.name.ru
    session.add(ProgramVersionRow(program_id=row.id, version=version, content=text, content_hash=digest, loaded_at=now))
    session.flush()
    return LoadResult(code, version, created=True)


def active_program(session: Session, program_id: int) -> ActiveProgram:
    row = session.scalar(
        select(ProgramVersionRow)
        .where(ProgramVersionRow.program_id == program_id)
        .order_by(ProgramVersionRow.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"program {program_id} has no loaded version", code="program_not_found", field="program")
    return ActiveProgram(program_id, row.id, row.version, _parsed(row.content))


def program_by_code(session: Session, code: str | None) -> ProgramRow:
    """The program with this code; with no code, the only program there is."""
    if code:
        row = session.scalar(select(ProgramRow).where(ProgramRow.code == code))
        if row is None:
            raise NotFound(
                f"no program with code {code!r}; load it with `loyalka program load`",
                code="program_not_found",
                field="program",
            )
        return row
    rows = session.scalars(select(ProgramRow).limit(2)).all()
    if not rows:
        raise NotFound(
            "no program is loaded yet; run `loyalka program load FILE`", code="program_not_found", field="program"
        )
    if len(rows) > 1:
        raise NotFound("several programs are loaded; name one with its code", code="program_ambiguous", field="program")
    return rows[0]


def version_rules(session: Session, version_id: int) -> Program:
    row = session.get(ProgramVersionRow, version_id)
    if row is None:
        raise NotFound(f"program version {version_id} not found", code="program_not_found")
    return _parsed(row.content)
