"""gridparty: grid-governance geospatial analysis (package being assembled)."""
