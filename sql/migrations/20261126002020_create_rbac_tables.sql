-- Purpose: app-wide roles (RBAC) mapped to named permissions, and each user's roles.
-- Affected: tables app_private.app_roles, app_private.permissions, app_private.role_permissions,
-- app_private.user_roles (+ their reference rows).
-- Private tables: clients never read them; policies ask app_private.has_permission(), which reads
-- them on every call, so a role change applies to the very next request, whatever the token says.

create table app_private.app_roles (
    name text primary key,
    description text not null
);

comment on table app_private.app_roles is
'App-wide roles (admin, moderator, content_editor, player).';

create table app_private.permissions (
    name text primary key,
    description text not null,
    constraint permissions_name_check check (name ~ '^[a-z_]+\.[a-z_]+$')
);

comment on table app_private.permissions is 'Named permissions that policies and functions check.';

create table app_private.role_permissions (
    role text not null references app_private.app_roles (name) on delete cascade,
    permission text not null references app_private.permissions (name) on delete cascade,
    primary key (role, permission)
);

comment on table app_private.role_permissions is 'Which permissions each app role grants.';

create table app_private.user_roles (
    user_id uuid not null references auth.users (id) on delete cascade,
    role text not null references app_private.app_roles (name) on delete cascade,
    granted_at timestamptz not null default now(),
    primary key (user_id, role)
);

comment on table app_private.user_roles is 'The app roles each user holds.';

revoke all on table
app_private.app_roles, app_private.permissions, app_private.role_permissions,
app_private.user_roles
from public, anon, authenticated, service_role;

create index role_permissions_permission_idx on app_private.role_permissions (permission);
create index user_roles_role_idx on app_private.user_roles (role);

insert into app_private.app_roles (name, description) values
('admin', 'Runs the platform: every permission.'),
('moderator', 'Reviews campaigns and their content.'),
('content_editor', 'Writes and publishes game content (items).'),
('player', 'Every signed-up user: plays and runs campaigns.');

insert into app_private.permissions (name, description) values
('content.write', 'Create and edit game content such as items.'),
('content.publish', 'Publish game content so that every player sees it.'),
('campaign.moderate', 'Read every campaign, its members and public rolls; edit or delete it.'),
('user.manage', 'Manage users and their app roles.'),
('audit.read', 'Read the audit log.');

insert into app_private.role_permissions (role, permission) values
('admin', 'content.write'),
('admin', 'content.publish'),
('admin', 'campaign.moderate'),
('admin', 'user.manage'),
('admin', 'audit.read'),
('moderator', 'campaign.moderate'),
('moderator', 'audit.read'),
('content_editor', 'content.write'),
('content_editor', 'content.publish');
