// Issue 18 item 7 (GeoJSON) played with the official @supabase/supabase-js client's geojson().
// Usage: ANON_KEY=<anon key> node --input-type=module - <api url> < geojson.mjs
// (run from a directory whose node_modules holds @supabase/supabase-js).
// Prints one JSON object: {name: {status, data, error}} per query below, in order.
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws' // Node 20 has no global WebSocket (the client builds realtime eagerly)

const [url] = process.argv.slice(2)
const supabase = createClient(url, process.env.ANON_KEY, {
  auth: { autoRefreshToken: false, persistSession: false },
  realtime: { transport: WebSocket },
})

const queries = {
  big: () => supabase.from('coverage').select('name, area').eq('id', 2).geojson(),
  view: () => supabase.from('small_coverage').select('*').geojson(),
  none: () => supabase.from('coverage').select('*').eq('id', 99).geojson(),
  noGeometry: () => supabase.from('plain').select('*').geojson(),
}

const out = {}
for (const [name, run] of Object.entries(queries)) {
  const { data, error, status } = await run()
  out[name] = { status, data, error }
}
console.log(JSON.stringify(out))
