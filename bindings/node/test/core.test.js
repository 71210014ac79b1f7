'use strict'
// PKCE, cipher, JWT verification (accept/reject with codes), the error table, panics, and
// secrets: never in util.inspect output nor in error messages.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const pas = require('..')
const { keys, mint, claims, ISS, AUD, b64u } = require('./jwt-helpers.js')

const isCode = (code) => (e) => pas.isPasError(e) && e.code === code

test('PKCE: RFC 7636 Appendix B vector, generation and validation', () => {
  assert.equal(
    pas.codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  )
  const v = pas.generateCodeVerifier()
  assert.match(v, /^[A-Za-z0-9._~-]{64}$/)
  assert.notEqual(v, pas.generateCodeVerifier())
  assert.match(pas.generateState(), /^[A-Za-z0-9_-]{22}$/)
  pas.validateCodeVerifier(v)
  for (const bad of ['short', 'x'.repeat(129), `${'a'.repeat(42)}+`]) {
    assert.throws(() => pas.codeChallenge(bad), isCode('invalid_verifier'))
    assert.throws(() => pas.validateCodeVerifier(bad), isCode('invalid_verifier'))
  }
})

test('authorization URL (sync) carries PKCE S256 and state', () => {
  const client = new pas.Client({ clientId: 'c1', redirectUri: 'http://127.0.0.1:9/cb', baseUrl: 'https://pas.example' })
  const req = client.authorizationRequest()
  const url = new URL(req.url)
  assert.equal(url.origin + url.pathname, 'https://pas.example/oauth/authorize')
  assert.equal(url.searchParams.get('code_challenge'), pas.codeChallenge(req.codeVerifier))
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
  assert.equal(url.searchParams.get('state'), req.state)
  assert.equal(url.searchParams.get('response_type'), 'code')
  assert.equal(url.searchParams.get('scope'), 'openid profile')
  assert.notEqual(client.authorizationRequest().state, req.state)
  const fixed = client.authorizationRequestWith('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'st')
  assert.match(fixed.url, /code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM/)
  assert.throws(() => client.authorizationRequestWith('bad', 'st'), isCode('invalid_verifier'))
  assert.throws(() => client.authorizationRequestWith(pas.generateCodeVerifier(), ''), isCode('invalid_argument'))
  assert.throws(() => new pas.Client({ clientId: 'c', redirectUri: 'x', baseUrl: 'http://pas.example' }), (e) =>
    ['invalid_url', 'invalid_config'].includes(e.code),
  )
  assert.throws(() => new pas.Client({ clientId: 'c', redirectUri: 'http://127.0.0.1/cb' }), isCode('invalid_config'))
  client.close()
})

test('TokenCipher: round trip, rotation ring, tamper and key errors', () => {
  const k1 = pas.TokenCipher.generateKey()
  const k2 = pas.TokenCipher.generateKey()
  const c1 = new pas.TokenCipher(k1)
  const token = 'rt-'.padEnd(64, 'x')
  const ct = c1.encrypt(token)
  assert.equal(c1.decrypt(ct), token)
  assert.notEqual(c1.encrypt(token), ct) // fresh nonce
  const ring = new pas.TokenCipher(k2, [k1])
  assert.equal(ring.keyCount, 2)
  assert.equal(ring.decrypt(ct), token) // old key still opens
  assert.throws(() => new pas.TokenCipher(k2).decrypt(ct), isCode('decrypt_failed'))
  const raw = Buffer.from(ct, 'base64')
  raw[raw.length - 1] ^= 1
  assert.throws(() => c1.decrypt(raw.toString('base64')), isCode('decrypt_failed'))
  assert.throws(() => c1.decrypt('AAAA'), isCode('ciphertext_truncated'))
  assert.throws(() => c1.decrypt('not base64!'), isCode('ciphertext_malformed'))
  assert.throws(() => new pas.TokenCipher('not base64!'), isCode('key_invalid'))
  assert.throws(() => new pas.TokenCipher(Buffer.alloc(31).toString('base64')), isCode('key_wrong_length'))
  assert.equal(new pas.TokenCipher(`${k1}\n`).decrypt(ct), token)
})

test('JWT: accept (EdDSA, RS256, sync and async, fixed clock)', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks, algorithms: ['EdDSA', 'RS256'] })
  assert.equal(v.hasKeys, true)
  const t = v.verifyCached(mint(k, claims(now)))
  assert.equal(t.subject, '01HZSUBJECT')
  assert.equal(t.sv, 3)
  assert.equal(t.sessionId, 'sess-1')
  assert.deepEqual(t.scopes, ['openid', 'profile'])
  assert.equal(t.algorithm, 'EdDSA')
  assert.equal(t.keyId, 'ed1')
  assert.equal((await v.verify(mint(k, claims(now), { alg: 'RS256' }))).algorithm, 'RS256')
  // JWKS as JSON text, fixed clock
  const v2 = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: JSON.stringify(k.jwks) })
  assert.equal(v2.verifyCachedAt(mint(k, claims(1000)), 1100).issuedAt, 1000)
  assert.equal((await v2.verifyAt(mint(k, claims(1000)), 1100)).expiresAt, 1300)
})

test('JWT: reject with stable codes', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const good = mint(k, claims(now))
  const [h, p, s] = good.split('.')
  const cases = [
    ['token_malformed', 'abc'],
    ['token_malformed', `${h}.${p}`],
    ['token_too_large', 'a'.repeat(10000)],
    ['alg_not_allowed', mint(k, claims(now), { alg: 'RS256' })], // RS256 not allowed by default
    ['token_malformed', `${b64u(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${p}.`],
    ['alg_not_allowed', `${b64u(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${p}.${s}`],
    ['alg_not_allowed', `${b64u(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'ed1' }))}.${p}.${s}`],
    ['typ_invalid', mint(k, claims(now), { typ: 'JWT' })],
    ['header_invalid', mint(k, claims(now), { header: { crit: ['exp'] } })],
    ['kid_unknown', mint(k, claims(now), { kid: 'nope' })],
    ['signature_invalid', `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`],
    ['token_expired', mint(k, claims(now - 1000))],
    ['token_not_yet_valid', mint(k, claims(now, { nbf: now + 1000 }))],
    ['iat_in_future', mint(k, claims(now, { iat: now + 1000, exp: now + 2000 }))],
    ['lifetime_too_long', mint(k, claims(now, { exp: now + 90000 }))],
    ['issuer_invalid', mint(k, claims(now, { iss: 'https://evil.example' }))],
    ['audience_invalid', mint(k, claims(now, { aud: 'other' }))],
    ['claim_missing', mint(k, claims(now, { sub: undefined }))],
    ['claim_invalid', mint(k, claims(now, { sv: '3' }))],
  ]
  for (const [code, token] of cases) {
    assert.throws(() => v.verifyCached(token), isCode(code), code)
    await assert.rejects(v.verify(token), isCode(code), code)
  }
  const pasProfile = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks, profile: 'pas' })
  assert.throws(() => pasProfile.verifyCached(good), isCode('category_invalid'))
  assert.equal(pasProfile.verifyCached(mint(k, claims(now, { cat: 'access' }))).subject, '01HZSUBJECT')
  assert.throws(() => new pas.Verifier({ issuer: ISS, audience: AUD }), isCode('invalid_config'))
  assert.throws(() => new pas.Verifier({ issuer: ISS, audience: AUD, jwks: { keys: [] } }), isCode('jwks_invalid'))
  assert.throws(() => new pas.Verifier({ issuer: ISS, audience: AUD, jwksUrl: 'http://pas.example/jwks' }), isCode('invalid_url'))
  assert.throws(() => new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks, algorithms: ['HS256'] }), isCode('invalid_config'))
  const unfetched = new pas.Verifier({ issuer: ISS, audience: AUD, jwksUrl: 'http://127.0.0.1:9/jwks' })
  assert.throws(() => unfetched.verifyCached(good), isCode('jwks_unavailable'))
})

test('error table: codes, isPasError, union drift, causes', () => {
  const table = pas.errorCodes()
  assert.ok(table.length >= 40)
  const names = table.map((r) => r.code)
  assert.equal(new Set(names).size, names.length)
  for (const r of table) assert.match(r.code, /^[a-z0-9_]+$/)
  // The TS union in index.d.ts is generated from the same enum; check it names exactly these.
  const dts = require('node:fs').readFileSync(require.resolve('../index.d.ts'), 'utf8')
  const union = dts.match(/export type PasErrorCode = ([^\n]+)/)[1].match(/'([a-z0-9_]+)'/g).map((s) => s.slice(1, -1))
  assert.deepEqual(union, names)
  const causes = dts.match(/export type ExpiredCause =([\s\S]*?)\n\n/)[1].match(/'([a-z_]+)'/g).map((s) => s.slice(1, -1))
  assert.deepEqual(causes, pas.expiredCauses())
  assert.equal(pas.isPasError(new Error('x')), false)
  assert.equal(pas.isPasError(Object.assign(new Error('x'), { code: 'ENOENT' })), false)
  assert.equal(pas.isPasError({ code: 'token_expired' }), false) // not an Error
  assert.equal(pas.isPasError(null), false)
  assert.equal(pas.isPasError('token_expired'), false)
  try {
    new pas.TokenCipher('!')
  } catch (e) {
    assert.equal(pas.isPasError(e), true)
    assert.equal(e.errno, 500)
    assert.ok(e instanceof Error)
    assert.ok(e.stack)
  }
})

test('a Rust panic becomes code "panic" and Node keeps running (sync and async)', async () => {
  assert.throws(() => pas.testOnlyPanic(false), isCode('panic'))
  await assert.rejects(pas.testOnlyPanic(true), isCode('panic'))
  assert.equal(pas.codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk').length, 43)
})

test('secrets never appear in util.inspect output or error messages', async () => {
  const key = pas.TokenCipher.generateKey()
  const cipher = new pas.TokenCipher(key)
  const secretRt = 'rt-SUPER-SECRET-refresh-token-value'
  const ct = cipher.encrypt(secretRt)
  const client = new pas.Client({ clientId: 'c1', redirectUri: 'http://127.0.0.1:9/cb', baseUrl: 'http://127.0.0.1:9' })
  const req = client.authorizationRequest()
  const sp = new pas.ScriptedPas()
  const validator = new pas.SessionValidator(sp, { cipher })
  const shown = [cipher, client, req, validator, sp, validator.memoryCache].map((o) => util.inspect(o, { depth: 5, showHidden: true }))
  for (const s of shown) {
    assert.ok(!s.includes(key), s)
    assert.ok(!s.includes(req.codeVerifier), s)
    assert.ok(!s.includes(secretRt), s)
  }
  // Errors built from secret-bearing inputs never echo them.
  const plant = 'PLANTED-SECRET-xyz'
  const errors = []
  const grab = (f) => {
    try {
      f()
    } catch (e) {
      errors.push(e)
    }
  }
  grab(() => new pas.TokenCipher(plant))
  grab(() => cipher.decrypt(plant))
  grab(() => cipher.decrypt(Buffer.from(plant.repeat(3)).toString('base64')))
  grab(() => pas.codeChallenge(`${plant}!`))
  const v = new pas.Verifier({ issuer: 'https://i', audience: 'a', jwks: keys().jwks })
  grab(() => v.verifyCached(`${b64u(plant)}.${b64u(plant)}.${b64u(plant)}`))
  grab(() => v.verifyCached(plant))
  // A PAS failure at refresh, through a real HTTP client to a closed port.
  const refreshErr = await client.refresh(plant).catch((e) => e)
  errors.push(refreshErr)
  assert.ok(errors.length >= 7)
  for (const e of errors) {
    assert.ok(pas.isPasError(e), util.inspect(e))
    const text = `${e.message} ${util.inspect(e)} ${JSON.stringify(e)}`
    assert.ok(!text.includes(plant), text)
    assert.ok(!text.includes(key))
  }
  assert.equal(refreshErr.code, 'pas_transport')
  // TokenSet-like objects expose tokens only through getters: nothing in inspect/JSON.
  client.close()
  await assert.rejects(client.refresh('x'), isCode('runtime_unavailable'))
})
