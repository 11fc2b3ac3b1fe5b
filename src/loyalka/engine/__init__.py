"""Pure rule evaluation: (program, account state, event, time) -> accruals, limits, close decisions."""
