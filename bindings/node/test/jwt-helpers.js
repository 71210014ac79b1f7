'use strict'
// Mints test access tokens with node:crypto keys (Ed25519 and RSA), and their JWKS.
const crypto = require('node:crypto')

const b64u = (s) => Buffer.from(s).toString('base64url')

function keys() {
  const ed = crypto.generateKeyPairSync('ed25519')
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const edJwk = { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed1', alg: 'EdDSA', use: 'sig' }
  const rsaJwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa1', alg: 'RS256', use: 'sig' }
  return { ed, rsa, jwks: { keys: [edJwk, rsaJwk] } }
}

function mint(k, claims, { alg = 'EdDSA', kid, typ = 'at+jwt', header = {} } = {}) {
  const h = b64u(JSON.stringify({ alg, typ, kid: kid ?? (alg === 'EdDSA' ? 'ed1' : 'rsa1'), ...header }))
  const p = b64u(JSON.stringify(claims))
  const input = Buffer.from(`${h}.${p}`)
  const sig =
    alg === 'EdDSA' ? crypto.sign(null, input, k.ed.privateKey) : crypto.sign('sha256', input, k.rsa.privateKey)
  return `${h}.${p}.${sig.toString('base64url')}`
}

const ISS = 'https://pas.example'
const AUD = 'my-client'

function claims(now, extra = {}) {
  return {
    iss: ISS,
    aud: AUD,
    sub: '01HZSUBJECT',
    exp: now + 300,
    iat: now,
    jti: 'jti-1',
    client_id: AUD,
    sv: 3,
    sid: 'sess-1',
    scope: 'openid profile',
    ...extra,
  }
}

module.exports = { keys, mint, claims, ISS, AUD, b64u }
