"""The points ledger: append-only entries, lots with activation and expiry, holds. Pure, no I/O."""

from loyalka.ledger.book import Book, Entry, EntryType, Lot

__all__ = ["Book", "Entry", "EntryType", "Lot"]
