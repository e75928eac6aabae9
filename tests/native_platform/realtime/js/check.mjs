// Drives a realtime server through the official @supabase/supabase-js client (V2 frames, binary
// broadcasts). Usage: node check.mjs <api url> <anon key> <user token> <table>
// Prints READY once subscribed (the caller then inserts a row into public.<table>), then one
// RESULT line with what arrived, and exits 0 when broadcast, presence and the change all came.
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws' // Node 20 has no global WebSocket

const [url, anonKey, userToken, table] = process.argv.slice(2)
const supabase = createClient(url, anonKey, {
  accessToken: async () => userToken,
  realtime: { transport: WebSocket },
})
const got = {}
const finish = (code) => {
  console.log('RESULT ' + JSON.stringify(got))
  process.exit(code)
}
setTimeout(() => finish(1), 20000)

const channel = supabase.channel('js-room', {
  config: { broadcast: { self: true, ack: true }, presence: { key: 'js-user' } },
})
const check = () => {
  if (got.broadcast && got.presence && got.change) finish(0)
}
channel
  .on('broadcast', { event: 'move' }, (message) => { got.broadcast = message.payload; check() })
  .on('presence', { event: 'sync' }, () => {
    const state = channel.presenceState()
    if (state['js-user']) { got.presence = state['js-user'][0]; check() }
  })
  .on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (change) => {
    got.change = { eventType: change.eventType, new: change.new }
    check()
  })
  .subscribe(async (status, error) => {
    if (status === 'SUBSCRIBED') {
      await channel.track({ lang: 'es' })
      got.ack = await channel.send({ type: 'broadcast', event: 'move', payload: { x: 1 } })
      console.log('READY')
    } else {
      got.status = status
      got.error = String(error)
    }
  })
