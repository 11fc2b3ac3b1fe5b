"""Application services: one unit of work per command, engine for the rules, storage for the state."""
