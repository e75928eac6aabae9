-- Purpose: make the avatar path check usable (a regex repeat count above 255 is invalid in
-- Postgres, so the first check raised 2201B for every non-null path).
-- Affected: constraint profiles_avatar_path_check on public.profiles (replaced).

alter table public.profiles drop constraint profiles_avatar_path_check;

alter table public.profiles add constraint profiles_avatar_path_check check (
    pg_catalog.char_length(avatar_path) between 1 and 512
    and avatar_path ~ '^[A-Za-z0-9_./-]+$'
    and avatar_path !~ '\.\.'
);
