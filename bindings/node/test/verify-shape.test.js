'use strict'
// The VerifiedToken object: index.js builds it (makeVerifiedToken) from the values the native
// verify methods hand over. Pins its shape (keys, order, absent optionals, plain object) across
// all four verify methods, and checks it against the interface in the generated index.d.ts.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const pas = require('..')
const { keys, mint, claims, ISS, AUD } = require('./jwt-helpers.js')

const REQUIRED = ['subject', 'clientId', 'scopes', 'expiresAt', 'issuedAt', 'jwtId', 'issuer', 'audiences', 'algorithm']
const OPTIONAL = ['sv', 'sessionId', 'notBefore', 'keyId']

/** Every verify method's result for one token, checked to be the same object shape. */
async function allFour(verifier, token, now) {
  const results = [
    verifier.verifyCached(token),
    verifier.verifyCachedAt(token, now),
    await verifier.verify(token),
    await verifier.verifyAt(token, now),
  ]
  for (const r of results) {
    assert.equal(Object.getPrototypeOf(r), Object.prototype)
    assert.deepEqual(Object.keys(r), Object.keys(results[0]))
    assert.deepStrictEqual(r, results[0])
  }
  return results[0]
}

test('VerifiedToken: every claim, in a fixed key order, the same from all four methods', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const t = await allFour(v, mint(k, claims(now, { nbf: now - 5, aud: [AUD, 'other'] })), now)
  assert.deepEqual(Object.keys(t), [...REQUIRED, ...OPTIONAL])
  assert.deepStrictEqual(t, {
    subject: '01HZSUBJECT',
    clientId: AUD,
    scopes: ['openid', 'profile'],
    expiresAt: now + 300,
    issuedAt: now,
    jwtId: 'jti-1',
    issuer: ISS,
    audiences: [AUD, 'other'],
    algorithm: 'EdDSA',
    sv: 3,
    sessionId: 'sess-1',
    notBefore: now - 5,
    keyId: 'ed1',
  })
  assert.deepStrictEqual(JSON.parse(JSON.stringify(t)), t)
  assert.deepStrictEqual({ ...t }, t)
})

test('VerifiedToken: absent optional claims are absent keys, not undefined or null', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const bare = claims(now, { sv: undefined, sid: undefined, scope: undefined })
  const t = await allFour(v, mint(k, bare, { header: { kid: undefined } }), now)
  assert.deepEqual(Object.keys(t), REQUIRED)
  for (const name of OPTIONAL) assert.equal(name in t, false, name)
  assert.deepEqual(t.scopes, [])
  // Each optional claim alone.
  const only = await allFour(v, mint(k, claims(now, { sv: 0, sid: undefined })), now)
  assert.deepEqual(Object.keys(only), [...REQUIRED, 'sv', 'keyId'])
  assert.equal(only.sv, 0)
})

test('VerifiedToken: non-ASCII claims come through intact', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const t = await allFour(v, mint(k, claims(now, { sub: 'ü-😀', scope: 'a  é' })), now)
  assert.equal(t.subject, 'ü-😀')
  assert.deepEqual(t.scopes, ['a', 'é'])
})

test('VerifiedToken: failures throw or reject as before', async () => {
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const expired = mint(k, claims(now - 4000))
  const isExpired = (e) => pas.isPasError(e) && e.code === 'token_expired'
  assert.throws(() => v.verifyCached(expired), isExpired)
  assert.throws(() => v.verifyCachedAt(expired, now), isExpired)
  await assert.rejects(v.verify(expired), isExpired)
  await assert.rejects(v.verifyAt(expired, now), isExpired)
  // Argument and receiver errors still come from napi-rs, synchronously.
  assert.throws(() => v.verifyCached(42), (e) => e instanceof Error && !pas.isPasError(e))
  assert.throws(() => v.verify(42), (e) => e instanceof Error && !pas.isPasError(e))
  assert.throws(() => pas.Verifier.prototype.verifyCached.call({}, expired), TypeError)
})

test('VerifiedToken: the keys are those of the interface in index.d.ts', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const body = /export interface VerifiedToken \{([\s\S]*?)\n\}/.exec(dts)
  assert.ok(body, 'interface VerifiedToken in index.d.ts')
  const fields = [...body[1].matchAll(/^ {2}(\w+)(\?)?:/gm)].map((m) => [m[1], m[2] === '?'])
  assert.deepEqual(
    fields.filter(([, opt]) => !opt).map(([name]) => name).sort(),
    [...REQUIRED].sort(),
  )
  assert.deepEqual(
    fields.filter(([, opt]) => opt).map(([name]) => name).sort(),
    [...OPTIONAL].sort(),
  )
})

test('VerifiedToken: evaluating index.js again does not wrap the methods twice', async () => {
  const entry = require.resolve('..')
  delete require.cache[entry]
  const again = require(entry)
  assert.equal(again.Verifier, pas.Verifier)
  const k = keys()
  const now = Math.floor(Date.now() / 1000)
  const v = new again.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  await allFour(v, mint(k, claims(now)), now)
})
