"""Loyalka: a loyalty-program platform for B2B sellers."""

__version__ = "0.1.0"
