// Magic link with flowType 'pkce' through the official @supabase/supabase-js client (issue 20).
// Usage: node magic_link_pkce.mjs <api url> <anon key> <email> <redirect url>
// Asks for a link (signInWithOtp: code_challenge sent, verifier kept in the client's storage),
// prints SENT, then reads one line from stdin: the auth code the link's redirect carried; prints
// RESULT with the error code or the signed-in user's email and the token's amr methods.
// supabase-js is the one locked under tests/native_platform/realtime/js.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(new URL('../../realtime/js/package.json', import.meta.url))
const { createClient } = require('@supabase/supabase-js')
const WebSocket = require('ws') // Node 20 has no global WebSocket; realtime-js asks for one

const [url, anonKey, email, redirectTo] = process.argv.slice(2)
const memory = new Map()
const storage = {
  getItem: (key) => memory.get(key) ?? null,
  setItem: (key, value) => memory.set(key, value),
  removeItem: (key) => memory.delete(key),
}
const supabase = createClient(url, anonKey, {
  auth: { flowType: 'pkce', storage, persistSession: true, autoRefreshToken: false },
  realtime: { transport: WebSocket },
})
setTimeout(() => process.exit(2), 30000)

const sent = await supabase.auth.signInWithOtp({ email, options: { emailRedirectTo: redirectTo } })
if (sent.error) {
  console.log('RESULT ' + JSON.stringify({ error: sent.error.code ?? sent.error.message }))
  process.exit(1)
}
console.log('SENT')
for await (const line of createInterface({ input: process.stdin })) {
  const { data, error } = await supabase.auth.exchangeCodeForSession(line.trim())
  if (error) {
    console.log('RESULT ' + JSON.stringify({ error: error.code ?? error.message }))
  } else {
    const claims = JSON.parse(Buffer.from(data.session.access_token.split('.')[1], 'base64url'))
    console.log('RESULT ' + JSON.stringify({
      email: data.user.email,
      amr: claims.amr.map((entry) => entry.method),
    }))
  }
  break
}
process.exit(0)
