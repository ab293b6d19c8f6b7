"""gatling_reporter."""
