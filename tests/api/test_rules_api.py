"""GET /v1/programs/{code}/rules: the published rules of the version in force, its number in the heading."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES, moscow

LOADED = moscow(2026, 10, 5, 9, 0)
TEXT = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.unit_of_work() as session:
        load_program(session, TEXT, now=LOADED)
    with TestClient(create_app(db, clock=lambda: LOADED, api_key="secret")) as client:
        client.headers["X-API-Key"] = "secret"
        yield client


def test_rules_are_markdown_in_russian_with_the_version_in_the_heading(client: TestClient) -> None:
    response = client.get("/v1/programs/wholesale-tiers/rules")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["x-program-version"] == "1"
    assert response.headers["content-language"] == "ru"
    lines = response.text.splitlines()
    assert lines[0] == "# Правила программы лояльности «Программа лояльности для оптовых покупателей»"
    assert lines[2] == "Редакция 1 от 5\u00a0октября 2026\u00a0г."
    assert "Баллами можно оплатить не более 20% суммы заказа." in response.text


def test_rules_in_english(client: TestClient) -> None:
    response = client.get("/v1/programs/wholesale-tiers/rules", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "en"
    assert response.text.splitlines()[2] == "Version 1 of 5 October 2026"
    assert "- “Gold”: earning multiplier 1.5;" in response.text


def test_a_new_version_is_published_with_its_own_number(db: Database, client: TestClient) -> None:
    with db.unit_of_work() as session:
        load_program(session, TEXT.replace('max_order_share: "20%"', 'max_order_share: "25%"'), now=moscow(2026, 11, 2))
    response = client.get("/v1/programs/wholesale-tiers/rules")
    assert response.headers["x-program-version"] == "2"
    assert "Редакция 2 от 2\u00a0ноября 2026\u00a0г." in response.text
    assert "не более 25% суммы заказа" in response.text


def test_rules_as_json_on_request(client: TestClient) -> None:
    response = client.get("/v1/programs/wholesale-tiers/rules?lang=en", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert (body["program"], body["version"], body["lang"]) == ("wholesale-tiers", 1, "en")
    assert body["loaded_at"].startswith("2026-10-05T06:00:00")
    assert body["text"].startswith("# Rules of the loyalty program")


def test_an_unknown_program_is_404(client: TestClient) -> None:
    response = client.get("/v1/programs/nope/rules")
    assert response.status_code == 404
    assert response.json()["code"] == "program_not_found"
    assert "no program with code 'nope'" in response.json()["message"]


def test_an_unknown_language_is_422(client: TestClient) -> None:
    response = client.get("/v1/programs/wholesale-tiers/rules", params={"lang": "de"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["field"] == "lang"


def test_rules_need_the_api_key(client: TestClient) -> None:
    response = client.get("/v1/programs/wholesale-tiers/rules", headers={"X-API-Key": "wrong"})
    assert response.status_code == 401
