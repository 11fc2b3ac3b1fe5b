"""Demo data: a deterministic, believable B2B purchase history for trying Loyalka out."""
