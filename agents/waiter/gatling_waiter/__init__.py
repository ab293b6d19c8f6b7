"""gatling_waiter."""
