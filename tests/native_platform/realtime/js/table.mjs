// One player at the live table, played with the official @supabase/supabase-js client.
// Usage: node table.mjs <api url> <anon key> <email> <password> <campaign id> <rolls|table|both>
// Signs in with supabase-js; `rolls` follows the campaign's dice_rolls (campaign_id=eq.<id>),
// `table` joins the private channel campaign:<id> and tracks presence under the user's id.
// Prints one JSON object per line: {"kind":"rolls"|"table","status":...} when a subscription
// settles, {"kind":"roll","record":...} per change, {"kind":"presence","keys":[...]} per sync.
// Runs until its stdin closes (or it is killed).
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws' // Node 20 has no global WebSocket

const [url, anonKey, email, password, campaignId, mode] = process.argv.slice(2)
const print = (message) => console.log(JSON.stringify(message))
const supabase = createClient(url, anonKey, {
  auth: { autoRefreshToken: false, persistSession: false },
  realtime: { transport: WebSocket },
})

const signedIn = await supabase.auth.signInWithPassword({ email, password })
if (signedIn.error) {
  print({ kind: 'error', error: signedIn.error.message })
  process.exit(1)
}
const userId = signedIn.data.user.id
const settled = (kind) => (status, error) =>
  print({ kind, status, error: error ? String(error) : null })

if (mode === 'rolls' || mode === 'both') {
  const filter = `campaign_id=eq.${campaignId}`
  supabase
    .channel(`rolls-${campaignId}`)
    .on(
      'postgres_changes',
      { event: 'INSERT', schema: 'public', table: 'dice_rolls', filter },
      (change) => print({ kind: 'roll', record: change.new }),
    )
    .subscribe(settled('rolls'))
}

if (mode === 'table' || mode === 'both') {
  const table = supabase.channel(`campaign:${campaignId}`, {
    config: { private: true, presence: { key: userId } },
  })
  table
    .on('presence', { event: 'sync' }, () =>
      print({ kind: 'presence', keys: Object.keys(table.presenceState()).sort() }),
    )
    .subscribe(async (status, error) => {
      settled('table')(status, error)
      if (status === 'SUBSCRIBED') await table.track({ name: email })
    })
}

process.stdin.resume()
process.stdin.on('end', async () => {
  await supabase.removeAllChannels()
  process.exit(0)
})
