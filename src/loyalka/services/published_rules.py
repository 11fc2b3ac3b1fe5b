"""The published rules of the program version in force, with the number and date of that version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from loyalka.program.rules_text import render_rules
from loyalka.services.programs import active_program, program_by_code
from loyalka.storage.tables import ProgramVersionRow


@dataclass(frozen=True, slots=True)
class PublishedRules:
    program: str
    version: int  # the stored version the text was rendered from
    loaded_at: datetime  # when that version was loaded (it is in force from then)
    lang: str
    text: str


def rules_in_force(session: Session, code: str | None, *, lang: str) -> PublishedRules:
    """The rules of the version in force of program ``code`` (None: the only program there is), in ``lang``."""
    row = program_by_code(session, code)
    active = active_program(session, row.id)
    version = session.get(ProgramVersionRow, active.version_id)
    assert version is not None  # active_program just read it
    published_on = version.loaded_at.astimezone(ZoneInfo(active.rules.program.timezone)).date()
    text = render_rules(active.rules, lang, version=active.version, published_on=published_on)
    return PublishedRules(row.code, active.version, version.loaded_at, lang, text)
