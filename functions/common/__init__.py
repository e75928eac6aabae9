"""Pieces shared by the content functions: settings, database sessions, the Typesense client."""
