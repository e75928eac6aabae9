-- Purpose: who may use the private campaign channels: members of a campaign receive (join) and
-- track presence on `campaign:<id>` and `campaign:<id>:gm`; players and game masters broadcast on
-- `campaign:<id>`; only the campaign's game masters broadcast on `campaign:<id>:gm`.
-- Affected: function realtime.topic_campaign_id(); policies on realtime.messages.

create function realtime.topic_campaign_id()
returns uuid
language sql
stable
set search_path = ''
as $$
    select case
        when realtime.topic() ~ '^campaign:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}(:gm)?$'
            then pg_catalog.substr(realtime.topic(), 10, 36)::uuid
    end
$$;

comment on function realtime.topic_campaign_id() is
'The campaign of a `campaign:<id>` or `campaign:<id>:gm` channel being authorized, else null.';

grant execute on function realtime.topic_campaign_id() to authenticated, service_role;

create policy "Campaign members receive their campaign channels"
on realtime.messages for select to authenticated
using (
    topic = (select realtime.topic())
    and extension in ('broadcast', 'presence')
    and (select app_private.is_campaign_member((select realtime.topic_campaign_id())))
);

create policy "Players broadcast to their campaign, only game masters to its gm channel"
on realtime.messages for insert to authenticated
with check (
    topic = (select realtime.topic())
    and (
        (
            extension = 'presence'
            and (select app_private.is_campaign_member((select realtime.topic_campaign_id())))
        )
        or (
            extension = 'broadcast'
            and topic not like '%:gm'
            and (select app_private.campaign_role((select realtime.topic_campaign_id())))
            in ('gm', 'player')
        )
        or (
            extension = 'broadcast'
            and topic like '%:gm'
            and (select app_private.is_campaign_gm((select realtime.topic_campaign_id())))
        )
    )
);
