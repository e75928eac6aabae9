"""Game modules: versioned manifests that bring content, item templates, rule extensions
(as data) and scenes, installed once and enabled per campaign (docs/modules.md)."""
