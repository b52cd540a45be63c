"""The hospital registry and the API keys hospitals authenticate with."""
