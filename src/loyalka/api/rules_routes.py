"""GET /v1/programs/{code}/rules: the published rules of the version in force, as Markdown (or JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.rules_schemas import RulesLang, RulesOut
from loyalka.api.schemas import error_responses
from loyalka.services.published_rules import rules_in_force

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    tags=["programs"],
    responses=error_responses(401, 404, 422, 503),
)

MARKDOWN = "text/markdown; charset=utf-8"


@router.get(
    "/programs/{code}/rules",
    summary="Read a program's published rules",
    response_class=Response,
    responses={
        200: {
            "description": "The rules as Markdown (the default), or as JSON with `Accept: application/json`. "
            "The header `X-Program-Version` names the version the text was rendered from.",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "application/json": {"schema": RulesOut.model_json_schema()},
            },
        }
    },
)
def get_rules(
    context: Ctx,
    code: Annotated[str, Path(description="the program's code")],
    lang: Annotated[RulesLang, Query(description="ru (the contract's language) or en")] = "ru",
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """The rules of the program version in force, fit to attach to a supply contract: every rule, cap, expiry
    and tier criterion, rendered from the configuration the engine runs; the heading names the version."""
    with context.database.unit_of_work() as session:
        rules = rules_in_force(session, code, lang=lang)
    headers = {"X-Program-Version": str(rules.version), "Content-Language": lang}
    if accept and "application/json" in accept and "text/markdown" not in accept:
        body = RulesOut(
            program=rules.program, version=rules.version, loaded_at=rules.loaded_at, lang=lang, text=rules.text
        )
        return Response(body.model_dump_json(), media_type="application/json", headers=headers)
    return Response(rules.text, media_type=MARKDOWN, headers=headers)
