"""Road graph and travel times from OpenStreetMap (bottom layer of odekake)."""
