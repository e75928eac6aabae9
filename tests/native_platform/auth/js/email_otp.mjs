// Email OTP sign-in through the official @supabase/supabase-js client (issue 20).
// Usage: node email_otp.mjs <api url> <anon key> <email>
// Asks for a code (signInWithOtp), prints SENT, then reads lines from stdin: each is a code to
// verify (verifyOtp type email); prints one RESULT line per code with the error code or the
// signed-in user's email. supabase-js is the one locked under tests/native_platform/realtime/js.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(new URL('../../realtime/js/package.json', import.meta.url))
const { createClient } = require('@supabase/supabase-js')
const WebSocket = require('ws') // Node 20 has no global WebSocket; realtime-js asks for one

const [url, anonKey, email] = process.argv.slice(2)
const supabase = createClient(url, anonKey, {
  auth: { persistSession: false },
  realtime: { transport: WebSocket },
})
setTimeout(() => process.exit(2), 30000)

const sent = await supabase.auth.signInWithOtp({ email })
if (sent.error) {
  console.log('RESULT ' + JSON.stringify({ error: sent.error.code ?? sent.error.message }))
  process.exit(1)
}
console.log('SENT')
for await (const line of createInterface({ input: process.stdin })) {
  const { data, error } = await supabase.auth.verifyOtp({ email, token: line.trim(), type: 'email' })
  const result = error ? { error: error.code } : { email: data.user.email, session: !!data.session }
  console.log('RESULT ' + JSON.stringify(result))
}
process.exit(0)
