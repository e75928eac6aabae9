"""Request and response bodies of the dice service, one module per resource."""
