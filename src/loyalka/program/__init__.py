"""The program as configuration: typed models, the YAML loader with line-precise errors, conditions."""
