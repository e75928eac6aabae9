// PostgREST v14 parity queries played with the official @supabase/supabase-js client.
// Usage: ANON_KEY=<anon key> node --input-type=module - <api url> < parity.mjs
// (run from a directory whose node_modules holds @supabase/supabase-js).
// Prints one JSON object: {name: {status, data, error, count}} per query below.
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws' // Node 20 has no global WebSocket (the client builds realtime eagerly)

const [url] = process.argv.slice(2)
const supabase = createClient(url, process.env.ANON_KEY, {
  auth: { autoRefreshToken: false, persistSession: false },
  realtime: { transport: WebSocket },
})

const queries = {
  computedField: () => supabase.from('directors').select('id, full_name').order('id').limit(2),
  computedToMany: () =>
    supabase.from('directors').select('last_name, top_films(title)').eq('id', 2),
  computedToOne: () =>
    supabase.from('films').select('title, maker(last_name)').eq('id', 3).single(),
  aggregate: () => supabase.from('orders').select('total:amount.sum(), count()'),
  grouped: () =>
    supabase.from('orders').select('order_date, amount.sum()').order('order_date'),
  spreadHoisted: () =>
    supabase.from('orders').select('...customers(city, count())').order('customers(city)'),
  embedAggregate: () =>
    supabase.from('customers').select('name, orders(quantity.max())').eq('id', 1),
  hinted: () =>
    supabase.from('orders').select('id, shipping:addresses!shipping_address_id(name)').eq('id', 1),
  selfReference: () =>
    supabase.from('employees').select('last_name, reports:employees!supervisor_id(last_name)').eq('id', 1),
  ambiguous: () => supabase.from('orders').select('id, addresses(name)'),
  missing: () => supabase.from('orders').select('id, customer(name)'),
}

const out = {}
for (const [name, run] of Object.entries(queries)) {
  const { data, error, status, count } = await run()
  out[name] = { status, data, error, count }
}
console.log(JSON.stringify(out))
