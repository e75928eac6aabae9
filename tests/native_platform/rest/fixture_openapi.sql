-- Fixture of the OpenAPI document's tests (test_openapi.py): keys, foreign keys and enums.
grant usage on schema public to anon;

create type public.mood as enum ('calm', 'curious', 'brave');
create domain public.stance as public.mood;

create table public.guilds (
    id integer primary key,
    name text not null
);
create table public.heroes (
    id integer primary key,
    guild_id integer references public.guilds (id),
    mood public.mood not null default 'calm',
    stance public.stance,
    moods public.mood[],
    nickname text
);
comment on column public.heroes.guild_id is 'The hero''s guild.';
create table public.quests (
    guild_id integer,
    number integer,
    primary key (guild_id, number)
);
-- A key of its own that is also a foreign key, and a foreign key over two columns (no note).
create table public.guild_charters (
    guild_id integer primary key references public.guilds (id),
    quest_guild_id integer,
    quest_number integer,
    foreign key (quest_guild_id, quest_number) references public.quests (guild_id, number)
);
create view public.hero_names as select
    id,
    guild_id,
    nickname
from public.heroes;

grant select on all tables in schema public to anon;
