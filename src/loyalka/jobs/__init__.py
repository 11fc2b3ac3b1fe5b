"""Scheduled work: period closes (and, later, daily triggers). Idempotent and safe to re-run."""
