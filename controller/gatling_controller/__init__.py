"""gatling_controller."""
