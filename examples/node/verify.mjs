// @ts-check
// Verifies an access token: sync verifyCached on the hot path, async verify when the JWKS may
// need a fetch, and stable error codes on failure.
import { generateKeyPairSync, sign } from 'node:crypto'
import { Verifier, isPasError } from 'pas'

const { publicKey, privateKey } = generateKeyPairSync('ed25519')
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' }
/** @param {object} v */
const b64u = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const input = `${b64u({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' })}.${b64u({
  iss: 'https://pas.example', aud: 'my-app', sub: 'acct-1', exp: now + 300, iat: now,
  jti: 'j1', client_id: 'my-app', sv: 4,
})}`
const token = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`

const verifier = new Verifier({ issuer: 'https://pas.example', audience: 'my-app', jwks: { keys: [jwk] } })
const claims = verifier.verifyCached(token)
console.log(`subject=${claims.subject} sv=${claims.sv}`)
console.log(`async subject=${(await verifier.verify(token)).subject}`)
try {
  verifier.verifyCached(`${token.slice(0, -4)}AAAA`)
  process.exitCode = 1
} catch (err) {
  if (!isPasError(err)) throw err
  console.log(`rejected: ${err.code}`) // signature_invalid
  if (err.code !== 'signature_invalid') process.exitCode = 1
}
