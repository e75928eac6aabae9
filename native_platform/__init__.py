"""The native platform: runs the Supabase-style stack on one machine without containers."""
