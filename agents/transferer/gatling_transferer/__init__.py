"""gatling_transferer."""
