"""The web application: app factory, error rendering, request limits."""
