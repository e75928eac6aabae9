-- Purpose: the reference data every environment needs (locales, app roles, permissions and which
-- role grants which), loaded by `rfl migrate` after the migrations in every environment.
-- Affected: rows of public.locales, app_private.app_roles, app_private.permissions and
-- app_private.role_permissions; no demo accounts or content (those are seed.sql, local only).
-- Idempotent: inserts what is missing, corrects a changed name or description, deletes nothing;
-- a second run changes no row (tests/native_platform/test_seeds.py). A migration that adds
-- reference rows adds them here too.

insert into public.locales as l (code, name, fallback, is_learning, is_learner)
values
('en', 'English', null, true, true),
('pt', 'Português', 'en', true, true),
('pt-BR', 'Português (Brasil)', 'pt', false, true),
('es', 'Español', 'en', true, false),
('de', 'Deutsch', 'en', true, true)
on conflict (code) do update
    set
        name = excluded.name,
        fallback = excluded.fallback,
        is_learning = excluded.is_learning,
        is_learner = excluded.is_learner
    where
    (l.name, l.fallback, l.is_learning, l.is_learner)
    is distinct from
    (excluded.name, excluded.fallback, excluded.is_learning, excluded.is_learner);

insert into app_private.app_roles as r (name, description)
values
('admin', 'Runs the platform: every permission.'),
('moderator', 'Reviews campaigns and their content.'),
('content_editor', 'Writes and publishes game content (items).'),
('player', 'Every signed-up user: plays and runs campaigns.')
on conflict (name) do update
    set description = excluded.description
    where r.description is distinct from excluded.description;

insert into app_private.permissions as p (name, description)
values
('content.write', 'Create and edit game content such as items.'),
('content.publish', 'Publish game content so that every player sees it.'),
('campaign.moderate', 'Read every campaign, its members and public rolls; edit or delete it.'),
('user.manage', 'Manage users and their app roles.'),
('audit.read', 'Read the audit log.'),
('storage.manage', 'Create, change and delete storage buckets.'),
('module.manage', 'Install, upgrade and remove game modules.'),
('audit.verify', 'Recompute the audit log''s hash chain.')
on conflict (name) do update
    set description = excluded.description
    where p.description is distinct from excluded.description;

insert into app_private.role_permissions (role, permission)
values
('admin', 'content.write'),
('admin', 'content.publish'),
('admin', 'campaign.moderate'),
('admin', 'user.manage'),
('admin', 'audit.read'),
('admin', 'storage.manage'),
('admin', 'module.manage'),
('admin', 'audit.verify'),
('moderator', 'campaign.moderate'),
('moderator', 'audit.read'),
('content_editor', 'content.write'),
('content_editor', 'content.publish')
on conflict do nothing;
