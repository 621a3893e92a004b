"""Two-layer network estimators (added by the later issues)."""

__all__ = []
