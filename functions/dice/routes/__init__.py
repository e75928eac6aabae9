"""One router per resource of the dice service."""
