"""Statistics for the admin console's dashboard, computed from the hotline's own tables."""
