// TOTP enrollment and verification through the official @supabase/supabase-js client (issue 20).
// Usage: node mfa_totp.mjs <api url> <anon key> <email> <password>
// Signs in, enrolls a TOTP factor (mfa.enroll) and prints ENROLLED with its id and secret; reads
// one line from stdin, the authenticator code, verifies it (mfa.challengeAndVerify) and prints
// RESULT with the assurance levels, the verified TOTP factors and the token's amr; then
// unenrolls the factor (aal2 allows it) and prints UNENROLLED with the remaining factors.
// supabase-js is the one locked under tests/native_platform/realtime/js.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(new URL('../../realtime/js/package.json', import.meta.url))
const { createClient } = require('@supabase/supabase-js')
const WebSocket = require('ws') // Node 20 has no global WebSocket; realtime-js asks for one

const [url, anonKey, email, password] = process.argv.slice(2)
const supabase = createClient(url, anonKey, {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: { transport: WebSocket },
})
setTimeout(() => process.exit(2), 30000)

function fail(step, error) {
  console.log('RESULT ' + JSON.stringify({ step, error: error.code ?? error.message }))
  process.exit(1)
}

const signedIn = await supabase.auth.signInWithPassword({ email, password })
if (signedIn.error) fail('sign-in', signedIn.error)
const enrolled = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'js phone' })
if (enrolled.error) fail('enroll', enrolled.error)
console.log('ENROLLED ' + JSON.stringify({
  id: enrolled.data.id,
  secret: enrolled.data.totp.secret,
  qr: enrolled.data.totp.qr_code.startsWith('data:image/svg+xml;utf-8,<svg'),
}))
for await (const line of createInterface({ input: process.stdin })) {
  const verified = await supabase.auth.mfa.challengeAndVerify({
    factorId: enrolled.data.id,
    code: line.trim(),
  })
  if (verified.error) fail('verify', verified.error)
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel()
  const factors = await supabase.auth.mfa.listFactors()
  const claims = JSON.parse(Buffer.from(verified.data.access_token.split('.')[1], 'base64url'))
  console.log('RESULT ' + JSON.stringify({
    current: level.data.currentLevel,
    next: level.data.nextLevel,
    totp: factors.data.totp.map((factor) => factor.id),
    amr: claims.amr.map((entry) => entry.method),
  }))
  const removed = await supabase.auth.mfa.unenroll({ factorId: enrolled.data.id })
  if (removed.error) fail('unenroll', removed.error)
  const after = await supabase.auth.mfa.listFactors()
  console.log('UNENROLLED ' + JSON.stringify({ all: after.data.all.length }))
  break
}
process.exit(0)
