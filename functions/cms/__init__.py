"""CMS ingestion: Strapi webhooks and bulk exports become idempotent upserts of content rows."""
