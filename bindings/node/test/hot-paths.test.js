'use strict'
// The hot paths (`TokenCipher` encrypt/decrypt, `Verifier` verifyCached/verifyCachedAt) skip
// napi-rs's per-call class bookkeeping by calling free functions on a per-instance handle (see
// index.js). These tests pin what that must not change: each instance keeps its own keys, the
// instance object is left untouched, a wrong receiver still throws, and the internals stay out
// of the API.
const test = require('node:test')
const assert = require('node:assert/strict')
const pas = require('..')
const { keys, mint, claims, ISS, AUD } = require('./jwt-helpers.js')

const isCode = (code) => (e) => pas.isPasError(e) && e.code === code

test('every cipher instance uses its own key ring, also after many calls', () => {
  const a = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const b = new pas.TokenCipher(pas.TokenCipher.generateKey())
  for (let i = 0; i < 3; i++) {
    const sealedByA = a.encrypt(`rt-a-${i}`)
    const sealedByB = b.encrypt(`rt-b-${i}`)
    assert.equal(a.decrypt(sealedByA), `rt-a-${i}`)
    assert.equal(b.decrypt(sealedByB), `rt-b-${i}`)
    assert.throws(() => b.decrypt(sealedByA), isCode('decrypt_failed'))
    assert.throws(() => a.decrypt(sealedByB), isCode('decrypt_failed'))
  }
})

test('every verifier instance uses its own keys and settings', () => {
  const k1 = keys()
  const k2 = keys()
  const now = Math.floor(Date.now() / 1000)
  const v1 = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k1.jwks })
  const v2 = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k2.jwks })
  const t1 = mint(k1, claims(now))
  const t2 = mint(k2, claims(now))
  assert.equal(v1.verifyCached(t1).subject, '01HZSUBJECT')
  assert.equal(v2.verifyCachedAt(t2, now).subject, '01HZSUBJECT')
  assert.throws(() => v2.verifyCached(t1), isCode('signature_invalid'))
  assert.throws(() => v1.verifyCachedAt(t2, now), isCode('signature_invalid'))
  assert.throws(() => v1.verifyCachedAt(t1, now + 3600), isCode('token_expired'))
})

test('the instance object is left as it was (no handle property, even hidden ones)', () => {
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  cipher.decrypt(cipher.encrypt('rt'))
  const k = keys()
  const verifier = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  verifier.verifyCached(mint(k, claims(Math.floor(Date.now() / 1000))))
  assert.deepEqual(Reflect.ownKeys(cipher), [])
  assert.deepEqual(Reflect.ownKeys(verifier), [])
})

test('a hot method called on anything but an instance of its class throws', () => {
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const k = keys()
  const verifier = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  const token = mint(k, claims(Math.floor(Date.now() / 1000)))
  for (const receiver of [{}, undefined, null, 42, verifier]) {
    assert.throws(() => pas.TokenCipher.prototype.encrypt.call(receiver, 'rt'))
    assert.throws(() => pas.TokenCipher.prototype.decrypt.call(receiver, cipher.encrypt('rt')))
  }
  for (const receiver of [{}, undefined, null, 42, cipher]) {
    assert.throws(() => pas.Verifier.prototype.verifyCached.call(receiver, token))
    assert.throws(() => pas.Verifier.prototype.verifyCachedAt.call(receiver, token, 0))
  }
})

test('the handle machinery is not part of the API', () => {
  for (const name of ['verifierVerifyCached', 'verifierVerifyCachedAt', 'tokenCipherEncrypt', 'tokenCipherDecrypt']) {
    assert.equal(name in pas, false, name)
  }
  assert.equal('fastHandle' in pas.TokenCipher.prototype, false)
  assert.equal('fastHandle' in pas.Verifier.prototype, false)
})
