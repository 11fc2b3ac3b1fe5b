"""Schemas of the published rules: the JSON form (the default answer is the Markdown text itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

RulesLang = Literal["ru", "en"]


class RulesOut(BaseModel):
    program: str = Field(description="the program's code")
    version: int = Field(description="the stored version the text was rendered from (the version in force)")
    loaded_at: datetime = Field(description="when that version was loaded; it is in force from then")
    lang: RulesLang
    text: str = Field(description="the rules as Markdown that reads as plain text")
