"""Data in and out of the service: CSV import, exports for staff, and the fictional sample."""
