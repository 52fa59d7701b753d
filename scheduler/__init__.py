"""Domain, planning, solver and storage of odekake (middle layer)."""
