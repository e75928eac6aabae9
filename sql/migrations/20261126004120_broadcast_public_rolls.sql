-- Purpose: every public roll is also broadcast (event `insert`) on its campaign's private channel
-- `campaign:<campaign_id>`, which only the campaign's members may join; gm and private rolls are
-- never broadcast (they reach the roller and game masters through RLS-checked postgres_changes).
-- Affected: trigger dice_rolls_broadcast_public on public.dice_rolls.

create trigger dice_rolls_broadcast_public
after insert on public.dice_rolls
for each row
when (new.visibility = 'public')
execute function realtime.broadcast_row_trigger('campaign:', 'campaign_id');
