"""Routers of the search function."""
