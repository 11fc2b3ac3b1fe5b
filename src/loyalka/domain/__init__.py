"""Value types and entities of the loyalty domain. Imports no framework."""
