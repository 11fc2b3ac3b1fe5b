"""The HTTP API (FastAPI) over the services: ``create_app(database)`` builds it."""

from loyalka.api.app import create_app

__all__ = ["create_app"]
