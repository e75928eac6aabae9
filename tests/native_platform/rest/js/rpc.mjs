// Issue 18 items 5-7 played with the official @supabase/supabase-js client: RPC counts,
// overloads and PGRST202/203, rollback, CSV and execution plans.
// Usage: ANON_KEY=<anon key> node --input-type=module - <api url> < rpc.mjs
// (run from a directory whose node_modules holds @supabase/supabase-js).
// Prints one JSON object: {name: {status, data, error, count}} per query below, in order.
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws' // Node 20 has no global WebSocket (the client builds realtime eagerly)

const [url] = process.argv.slice(2)
const supabase = createClient(url, process.env.ANON_KEY, {
  auth: { autoRefreshToken: false, persistSession: false },
  realtime: { transport: WebSocket },
})

const queries = {
  rpcCount: () => supabase.rpc('get_projects', { min_id: 1 }, { count: 'exact' }),
  rpcHead: () => supabase.rpc('get_projects', {}, { head: true, count: 'exact' }),
  rpcGet: () => supabase.rpc('plus_one', { a: 1, b: 2 }, { get: true }),
  unnamedJson: () => supabase.rpc('echo_jsonb', { a: 1 }),
  ambiguous: () => supabase.rpc('describe', { x: 1 }),
  missing: () => supabase.rpc('add_them', { a: 1, c: 2 }),
  rolledBack: () =>
    supabase.from('projects').update({ name: 'Windows 8' }).eq('id', 1).select().rollback(),
  afterRollback: () => supabase.from('projects').select('name').eq('id', 1).single(),
  csv: () => supabase.from('csv_rows').select('id, label').order('id').csv(),
  plan: () => supabase.from('projects').select().eq('id', 1).explain(),
}

const out = {}
for (const [name, run] of Object.entries(queries)) {
  const { data, error, status, count } = await run()
  out[name] = { status, data, error, count }
}
console.log(JSON.stringify(out))
