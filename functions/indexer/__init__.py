"""The search indexer: drains the outbox into Typesense and rebuilds collections behind aliases."""
