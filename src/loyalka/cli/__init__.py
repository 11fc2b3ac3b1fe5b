"""The `loyalka` command."""
