// A real OpenID provider for the auth tests: the certified `oidc-provider` (npm), with its
// development login page (any login, any password) and consent granted up front.
// Usage: node provider.mjs <port> <clients JSON> <private JWKS JSON>
// Each client: {client_id, client_secret, redirect_uris}. The JWKS signs the ID tokens, so a
// test can also sign tokens with the provider's own key (forgeries of claims, not signatures).
// Accounts: the login is the subject; its email is <login>@oidc.test, verified unless the
// login starts with "unverified". Discord's user fields (id, username, global_name, verified)
// come with the `identify` scope, for the Discord provider pointed at this server.
// Prints READY <issuer> once listening.
import Provider from 'oidc-provider'

const [port, clientsJson, jwksJson] = process.argv.slice(2)
const issuer = `http://127.0.0.1:${port}`

function claimsOf (login) {
  const verified = !login.startsWith('unverified')
  return {
    sub: login,
    email: `${login}@oidc.test`,
    email_verified: verified,
    name: `Player ${login}`,
    picture: `https://avatars.oidc.test/${login}.png`,
    preferred_username: login,
    id: login,
    username: login,
    global_name: `Player ${login}`,
    avatar: null,
    verified
  }
}

const provider = new Provider(issuer, {
  clients: JSON.parse(clientsJson).map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    ...client
  })),
  jwks: JSON.parse(jwksJson),
  scopes: ['openid', 'email', 'profile', 'identify', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'picture', 'preferred_username'],
    identify: ['id', 'username', 'global_name', 'avatar', 'verified']
  },
  // ID tokens carry the requested claims, as Google's do (not only through /userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount (_ctx, id) {
    return { accountId: id, claims: async () => claimsOf(id) }
  },
  // Consent granted up front: the test signs in once, the client gets what it asked for.
  async loadExistingGrant (ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId
    })
    grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid')
    grant.addOIDCClaims(Object.keys(claimsOf('x')))
    await grant.save()
    return grant
  }
})
provider.proxy = false
provider.listen(Number(port), '127.0.0.1', () => console.log(`READY ${issuer}`))
