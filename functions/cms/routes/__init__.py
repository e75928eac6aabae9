"""Routers of the CMS function."""
