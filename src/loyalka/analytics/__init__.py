"""Numbers that tell whether a program works: KPIs first (more in later issues)."""
