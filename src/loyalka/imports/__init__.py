"""File imports: every row checked and reported by its line; nothing half-imported."""
