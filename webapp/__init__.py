"""Flask application and the `odekake` command (outermost layer)."""
