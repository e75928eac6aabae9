-- Purpose: the languages on a character sheet and the character's proficiency in each.
-- Affected: table public.character_languages (grants, RLS, policies, index, trigger, audit
-- tracking).
-- Like xp, proficiency is the gm's to award: the campaign's gm writes these rows; everyone who
-- reads the campaign reads them. A language absent from the sheet is untrained. The dice service
-- reads the row as the roller, so a language check's proficiency never comes from the client.

create table public.character_languages (
    id uuid primary key default gen_random_uuid(),
    character_id uuid not null references public.characters (id) on delete cascade,
    language text not null,
    proficiency text not null default 'trained',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint character_languages_unique unique (character_id, language),
    constraint character_languages_language_check check (
        language ~ '^[a-z]{2,3}(-[A-Z]{2})?$'
    ),
    constraint character_languages_proficiency_check check (
        proficiency in ('untrained', 'trained', 'expert', 'master', 'native')
    )
);

comment on table public.character_languages is
'Proficiency of a character in a language (untrained when absent). The gm writes it.';
comment on column public.character_languages.id is 'Sheet line id.';
comment on column public.character_languages.character_id is 'The character.';
comment on column public.character_languages.language is
'A locale tag such as es or pt-BR, as campaigns.target_language.';
comment on column public.character_languages.proficiency is
'untrained (+0), trained (+2), expert (+4), master (+6) or native (+8).';
comment on column public.character_languages.created_at is 'Creation time.';
comment on column public.character_languages.updated_at is 'Last change time.';

grant select on table public.character_languages to anon;
grant select, delete on table public.character_languages to authenticated;
grant insert (character_id, language, proficiency) on table public.character_languages
to authenticated;
grant update (proficiency) on table public.character_languages to authenticated;
grant all on table public.character_languages to service_role;

alter table public.character_languages enable row level security;

create policy "Anyone reads character languages in public campaigns"
on public.character_languages for select to anon
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.readable_campaign_ids())
);

create policy "Users read character languages in campaigns they can read"
on public.character_languages for select to authenticated
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.readable_campaign_ids())
);

create policy "Game masters add languages to sheets of live campaigns"
on public.character_languages for insert to authenticated
with check (
    app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create policy "Game masters change proficiencies in live campaigns"
on public.character_languages for update to authenticated
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
)
with check (
    app_private.character_campaign_id(character_id) in (select app_private.my_gm_campaign_ids())
);

create policy "Game masters remove languages from sheets of live campaigns"
on public.character_languages for delete to authenticated
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create trigger character_languages_touch_updated_at
before update on public.character_languages
for each row execute function app_private.touch_updated_at();

select audit.enable_tracking('public.character_languages'::regclass);
