'use strict'
// Against pas-devserver over real HTTP: code flow, refresh, verification via the JWKS URL,
// break-glass (sv bump), revoke, PAS down (503, dropped connection), liveness.
const test = require('node:test')
const assert = require('node:assert/strict')
const pas = require('..')
const { startDevserver } = require('./devserver.js')

const REDIRECT = 'http://127.0.0.1:8765/cb'
let ds
let client
test.before(async () => {
  ds = await startDevserver()
  client = new pas.Client({ clientId: 'pas-demo', redirectUri: REDIRECT, baseUrl: ds.base_url, requestTimeoutMs: 3000 })
})
test.after(async () => {
  client?.close()
  await ds?.stop()
})

async function login(account = 'alice') {
  const req = client.authorizationRequest()
  const challenge = new URL(req.url).searchParams.get('code_challenge')
  const { code } = await ds.control('POST', '/login', {
    account,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    state: req.state,
    client_id: 'pas-demo',
  })
  return client.exchangeCode(code, req.codeVerifier)
}

test('discovery builds a client', async () => {
  const c = await pas.discover(ds.issuer, 'pas-demo', REDIRECT)
  assert.equal(c.issuer, ds.issuer)
  assert.equal(c.jwksUri, `${ds.base_url}/.well-known/jwks.json`)
  c.close()
  await assert.rejects(pas.discover('http://127.0.0.1:9', 'pas-demo', REDIRECT), (e) => e.code === 'discovery_failed')
})

test('code flow, verification via JWKS URL, refresh', async () => {
  const tokens = await login()
  assert.equal(tokens.tokenType.toLowerCase(), 'bearer')
  assert.ok(tokens.refreshToken)
  assert.equal(require('node:util').inspect(tokens).includes(tokens.accessToken), false)
  const verifier = new pas.Verifier({ issuer: ds.issuer, audience: 'pas-demo', jwksUrl: client.jwksUri })
  assert.throws(() => verifier.verifyCached(tokens.accessToken), (e) => e.code === 'jwks_unavailable')
  const claims = await verifier.verify(tokens.accessToken)
  assert.equal(claims.subject, '7NT2EH13K2PRVXYNEH52Q93JF8')
  assert.equal(typeof claims.sv, 'number')
  assert.equal(verifier.verifyCached(tokens.accessToken).subject, claims.subject) // keys now cached
  const refreshed = await client.refresh(tokens.refreshToken)
  assert.ok(refreshed.accessToken)
  // A reused code is rejected with a coded error.
  await assert.rejects(client.exchangeCode('not-a-code', pas.generateCodeVerifier()), (e) =>
    pas.isPasError(e) && e.code === 'pas_rejected' && e.status === 400 && e.oauthError === 'invalid_grant',
  )
})

test('session validation against PAS: break-glass, revoke, PAS down', async () => {
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const validator = new pas.SessionValidator(client, { cipher })
  const tokens = await login('bob')
  const verifier = new pas.Verifier({ issuer: ds.issuer, audience: 'pas-demo', jwksUrl: client.jwksUri })
  const claims = await verifier.verify(tokens.accessToken)
  const sessions = new Map()
  sessions.set('s-bob', { ppnumId: claims.subject, sv: claims.sv, ciphertext: cipher.encrypt(tokens.refreshToken) })
  const store = {
    find: async (id) => sessions.get(id) ?? null,
    refreshCiphertext: async (id) => sessions.get(id)?.ciphertext ?? null,
    persistRefresh: async (id, sv, rotated) => {
      const s = sessions.get(id)
      if (s) Object.assign(s, { sv }, rotated ? { ciphertext: rotated } : {})
    },
  }
  // Unknown cache: refresh at PAS, then fresh from the cache.
  let v = await validator.validate(store, 's-bob')
  assert.deepEqual([v.kind, v.refreshed, v.sv], ['authenticated', true, claims.sv])
  assert.equal((await validator.validate(store, 's-bob')).refreshed, false)

  // Break-glass: PAS bumps sv; the shared cache learns it (as PAS would write it).
  const bumped = await ds.control('POST', '/accounts/bob/bump-sv')
  validator.memoryCache.set(`sv:${claims.subject}`, bumped.sv)
  v = await validator.validate(store, 's-bob')
  assert.deepEqual([v.kind, v.refreshed, v.sv], ['authenticated', true, bumped.sv])

  // PAS down: 503, then a dropped connection -> Expired (fail closed), liveness keeps the session.
  validator.memoryCache.clear()
  await ds.control('POST', '/faults', { endpoint: 'token', count: 1, fault: { status: 503, retry_after: 7 } })
  assert.deepEqual(await validator.validate(store, 's-bob'), { kind: 'expired', cause: 'pas_unavailable' })
  await ds.control('POST', '/faults', { endpoint: 'token', count: 1, fault: { drop_connection: true } })
  assert.deepEqual(await validator.validate(store, 's-bob'), { kind: 'expired', cause: 'pas_unavailable' })
  await ds.control('POST', '/faults', { endpoint: 'token', count: 1, fault: { status: 503, retry_after: 7 } })
  const live = await client.livenessRefresh(cipher, sessions.get('s-bob').ciphertext)
  assert.deepEqual(live, { kind: 'transient', keepsSession: true, cause: 'pas_unavailable', retryAfterMs: 7000 })
  await ds.control('POST', '/faults', { endpoint: 'token', count: 1, fault: { status: 503 } })
  await assert.rejects(client.refresh(tokens.refreshToken), (e) => e.code === 'pas_server_error' && e.status === 503)
  assert.equal((await validator.livenessRefresh(sessions.get('s-bob').ciphertext)).kind, 'fresh')

  // Revoke: the refresh token dies -> Expired (pas_rejected); liveness says revoked.
  await ds.control('POST', '/accounts/bob/revoke')
  assert.deepEqual(await validator.validate(store, 's-bob'), { kind: 'expired', cause: 'pas_rejected' })
  const revoked = await client.livenessRefresh(cipher, sessions.get('s-bob').ciphertext)
  assert.deepEqual(revoked, { kind: 'revoked', keepsSession: false, cause: 'pas_rejected', status: 400 })
})
