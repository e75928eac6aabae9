"""Search: scoped Typesense keys for clients, and a server-side search for those that can't."""
