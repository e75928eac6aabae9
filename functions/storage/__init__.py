"""Media storage at `/storage/v1`: the Supabase Storage API over Postgres metadata and a file or
S3-compatible backend; every object statement runs as the caller, so RLS decides."""
