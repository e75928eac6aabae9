// Social sign-in through the official @supabase/supabase-js client (issue 20), PKCE flow.
// Usage: node oauth_pkce.mjs <api url> <anon key> <redirect to>
// signInWithOAuth (provider keycloak: the tests' OpenID provider, skipBrowserRedirect) prints
// URL <provider url>; the test signs in there as a browser would and writes back the URL it
// landed on; exchangeCodeForSession with its `code` prints one RESULT line.
// supabase-js is the one locked under tests/native_platform/realtime/js.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(new URL('../../realtime/js/package.json', import.meta.url))
const { createClient } = require('@supabase/supabase-js')
const WebSocket = require('ws') // Node 20 has no global WebSocket; realtime-js asks for one

const [url, anonKey, redirectTo] = process.argv.slice(2)
const items = new Map() // where supabase-js keeps the PKCE code verifier
const storage = {
  getItem: (key) => items.get(key) ?? null,
  setItem: (key, value) => { items.set(key, value) },
  removeItem: (key) => { items.delete(key) }
}
const supabase = createClient(url, anonKey, {
  auth: { flowType: 'pkce', storage, autoRefreshToken: false, detectSessionInUrl: false },
  realtime: { transport: WebSocket }
})
setTimeout(() => process.exit(2), 30000)

const started = await supabase.auth.signInWithOAuth({
  provider: 'keycloak',
  options: { redirectTo, skipBrowserRedirect: true }
})
if (started.error) {
  console.log('RESULT ' + JSON.stringify({ error: started.error.code ?? started.error.message }))
  process.exit(1)
}
console.log('URL ' + started.data.url)
for await (const line of createInterface({ input: process.stdin })) {
  const code = new URL(line.trim()).searchParams.get('code')
  const { data, error } = await supabase.auth.exchangeCodeForSession(code)
  const result = error
    ? { error: error.code ?? error.message }
    : { email: data.user.email, provider: data.user.app_metadata.provider, session: !!data.session }
  console.log('RESULT ' + JSON.stringify(result))
  process.exit(0)
}
