// Benchmark (not a test): ops/s of pas vs jose, fast-jwt (result cache off) and node:crypto for
// EdDSA and RS256 verification with the key reused, and AES-256-GCM seal/open of a 64-byte
// token. Build the addon in release first: `PAS_NODE_PROFILE=release npm run build`.
//   node bench/verify-and-seal.mjs [seconds-per-case, default 1] [rounds, default 5]
// Figures are operations per second of this process's CPU time (user + system, all its threads),
// not of wall-clock time, and each case's time is split into rounds that alternate with the other
// contenders of its row; the row shows each contender's median round. On a shared machine (other
// builds running) wall-clock rates mostly measured the scheduler: with one wall-clock window per
// contender the ratios swung by 15% from run to run.
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import * as jose from 'jose'
import { createVerifier } from 'fast-jwt'

const require = createRequire(import.meta.url)
const pas = require('../index.js')
const SECONDS = Number(process.argv[2] ?? 1)
const ROUNDS = Math.max(1, Math.floor(Number(process.argv[3] ?? 5)))

const b64u = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const claims = {
  iss: 'https://pas.example', aud: 'my-app', sub: '01HZSUBJECT', exp: now + 3600, iat: now,
  jti: 'jti-1', client_id: 'my-app', sv: 3, scope: 'openid profile',
}

function setup(alg) {
  const pair = alg === 'EdDSA'
    ? crypto.generateKeyPairSync('ed25519')
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg, use: 'sig' }
  const input = `${b64u({ alg, typ: 'at+jwt', kid: 'k1' })}.${b64u(claims)}`
  const sig = alg === 'EdDSA'
    ? crypto.sign(null, Buffer.from(input), pair.privateKey)
    : crypto.sign('sha256', Buffer.from(input), pair.privateKey)
  return { pair, jwk, token: `${input}.${sig.toString('base64url')}` }
}

/** Seconds of CPU time this process has used (user + system). */
function cpuSeconds() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

async function measure(fn, isAsync) {
  const budget = SECONDS / ROUNDS
  let n = 0
  const start = cpuSeconds()
  let elapsed = 0
  if (isAsync) {
    while (elapsed < budget) {
      for (let i = 0; i < 100; i++) await fn()
      n += 100
      elapsed = cpuSeconds() - start
    }
  } else {
    while (elapsed < budget) {
      for (let i = 0; i < 100; i++) fn()
      n += 100
      elapsed = cpuSeconds() - start
    }
  }
  return n / elapsed
}

const rows = []
async function bench(label, cases) {
  for (const [, fn, isAsync] of cases) for (let i = 0; i < 200; i++) isAsync ? await fn() : fn() // warm up
  const rounds = Object.fromEntries(cases.map(([name]) => [name, []]))
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn, isAsync] of cases) rounds[name].push(await measure(fn, isAsync))
  }
  const median = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
  rows.push([label, Object.fromEntries(Object.entries(rounds).map(([name, xs]) => [name, median(xs)]))])
}

for (const alg of ['EdDSA', 'RS256']) {
  const { pair, jwk, token } = setup(alg)
  const verifier = new pas.Verifier({ issuer: claims.iss, audience: claims.aud, jwks: { keys: [jwk] }, algorithms: [alg] })
  const joseKey = await jose.importJWK(jwk, alg)
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' })
  const fast = createVerifier({ key: pem, algorithms: [alg], cache: false, allowedIss: claims.iss, allowedAud: claims.aud })
  const keyObject = pair.publicKey
  const nodeVerify = () => {
    const [h, p, s] = token.split('.')
    const header = JSON.parse(Buffer.from(h, 'base64url').toString())
    const ok = alg === 'EdDSA'
      ? crypto.verify(null, Buffer.from(`${h}.${p}`), keyObject, Buffer.from(s, 'base64url'))
      : crypto.verify('sha256', Buffer.from(`${h}.${p}`), keyObject, Buffer.from(s, 'base64url'))
    if (!ok || header.alg !== alg) throw new Error('bad')
    const c = JSON.parse(Buffer.from(p, 'base64url').toString())
    if (c.exp <= Date.now() / 1000 || c.iss !== claims.iss || c.aud !== claims.aud) throw new Error('bad')
    return c
  }
  // Sanity: every contender accepts the token.
  verifier.verifyCached(token); fast(token); nodeVerify()
  await jose.jwtVerify(token, joseKey, { issuer: claims.iss, audience: claims.aud, typ: 'at+jwt' })
  await bench(`${alg} verify`, [
    ['pas', () => verifier.verifyCached(token), false],
    ['jose', () => jose.jwtVerify(token, joseKey, { issuer: claims.iss, audience: claims.aud, typ: 'at+jwt' }), true],
    ['fast-jwt', () => fast(token), false],
    ['node:crypto', nodeVerify, false],
  ])
}

{
  const keyB64 = pas.TokenCipher.generateKey()
  const cipher = new pas.TokenCipher(keyB64)
  const key = Buffer.from(keyB64, 'base64')
  const token = crypto.randomBytes(48).toString('base64url') // 64 characters
  const seal = (pt) => {
    const iv = crypto.randomBytes(12)
    const c = crypto.createCipheriv('aes-256-gcm', key, iv)
    const body = Buffer.concat([c.update(pt, 'utf8'), c.final()])
    return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64')
  }
  const open = (stored) => {
    const raw = Buffer.from(stored, 'base64')
    const d = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
    d.setAuthTag(raw.subarray(raw.length - 16))
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8')
  }
  const sealed = cipher.encrypt(token)
  if (open(sealed) !== token || cipher.decrypt(seal(token)) !== token) throw new Error('formats differ')
  await bench('AES-256-GCM seal (64 B)', [
    ['pas', () => cipher.encrypt(token), false],
    ['node:crypto', () => seal(token), false],
  ])
  await bench('AES-256-GCM open (64 B)', [
    ['pas', () => cipher.decrypt(sealed), false],
    ['node:crypto', () => open(sealed), false],
  ])
  await bench('AES-256-GCM seal+open (64 B)', [
    ['pas', () => cipher.decrypt(cipher.encrypt(token)), false],
    ['node:crypto', () => open(seal(token)), false],
  ])
}

const fmt = (n) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'))
const cols = ['pas', 'jose', 'fast-jwt', 'node:crypto']
console.log(`pas bench (${SECONDS} CPU-s per case in ${ROUNDS} alternating rounds, median, Node ${process.version}, ops per CPU-s)`)
console.log(['case'.padEnd(30), ...cols.map((c) => c.padStart(12)), '  pas vs others'].join(''))
for (const [label, r] of rows) {
  const ratios = cols.slice(1).filter((c) => r[c]).map((c) => `${(r.pas / r[c]).toFixed(2)}x ${c}`).join(', ')
  console.log([label.padEnd(30), ...cols.map((c) => fmt(r[c]).padStart(12)), `  ${ratios}`].join(''))
}
