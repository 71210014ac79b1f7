// @ts-check
// The demo story of `make demo` in Node (the same story as examples/rust-demo, C, Go, Python):
// login with PKCE without a browser, refresh token encrypted into this program's own store,
// session validation (PAS refresh, then the sv cache), break-glass, revocation, PAS answering 503
// on the fail-closed sv path and on the fail-open liveness path. One JSON line per step on stdout
// (format: examples/rust-demo/src/outcome.rs); exits 1 on any plumbing error.
//
//   node demo/demo.mjs http://127.0.0.1:PORT [http://127.0.0.1:PORT/__control]   # a running pas-devserver
import { Client, SessionValidator, TokenCipher, Verifier } from 'pas'

const CLIENT_ID = 'pas-demo'
const REDIRECT_URI = 'http://127.0.0.1:8765/callback'

const base = process.argv[2] ?? process.env.PAS_DEVSERVER_URL ?? ''
if (!base) {
  console.error('usage: demo.mjs PAS_DEVSERVER_URL [CONTROL_URL]')
  process.exit(2)
}
const controlUrl = (
  process.argv[3] ||
  process.env.PAS_DEVSERVER_CONTROL_URL ||
  `${base.replace(/\/$/, '')}/__control`
).replace(/\/$/, '')

/** @typedef {{ ppnumId: string, sv: number | null, ciphertext: string | null }} Row */
/** This program's own session store, in memory (a database in real life). @type {Map<string, Row>} */
const rows = new Map()
/** @type {import('pas').SessionStore<Row>} */
const store = {
  find: (id) => rows.get(id) ?? null,
  refreshCiphertext: (id) => rows.get(id)?.ciphertext ?? null,
  persistRefresh: (id, sv, rotated) => {
    const row = rows.get(id)
    if (!row) throw new Error(`session ${id} is gone`)
    row.sv = sv
    if (rotated !== null) row.ciphertext = rotated
  },
}

const client = new Client({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, baseUrl: base, requestTimeoutMs: 2000 })
const cipher = new TokenCipher(TokenCipher.generateKey())
const jwksUrl = `${base}/.well-known/jwks.json`
const verifier = new Verifier({ issuer: base, audience: CLIENT_ID, jwksUrl, profile: 'pas' })
const validator = new SessionValidator(client, { cipher })

/**
 * One step's JSON line (absent fields print as null).
 * @param {string} step @param {string} decision @param {number} pasCalls
 * @param {{ cause?: string | null, sv?: number | null, refreshed?: boolean | null, retryAfterMs?: number | null }} [f]
 */
function emit(step, decision, pasCalls, f = {}) {
  const line = {
    step,
    decision,
    cause: f.cause ?? null,
    sv: f.sv ?? null,
    refreshed: f.refreshed ?? null,
    retry_after_ms: f.retryAfterMs ?? null,
    pas_calls: pasCalls,
  }
  console.log(JSON.stringify(line))
}

/**
 * A control-API call; its JSON answer (fails unless 2xx).
 * @param {string} method @param {string} path @param {unknown} [body]
 */
async function control(method, path, body) {
  const init = { method, body: body === undefined ? undefined : JSON.stringify(body) }
  const res = await fetch(`${controlUrl}/${path}`, init)
  if (!res.ok) throw new Error(`control call ${path} answered ${res.status}`)
  return res.json()
}

/** Calls the token endpoint has received so far. @returns {Promise<number>} */
async function tokenCalls() {
  const counters = await control('GET', 'counters')
  if (typeof counters.token !== 'number') throw new Error('no token counter')
  return counters.token
}

/**
 * Authorization request, login without a browser (login_hint), code exchange, access token
 * verified; the refresh token goes into the store encrypted, with the token's sv.
 * @param {string} step @param {string} account @param {string} sessionId
 */
async function login(step, account, sessionId) {
  const before = await tokenCalls()
  const request = client.authorizationRequest()
  const res = await fetch(`${request.url}&login_hint=${encodeURIComponent(account)}`, { redirect: 'manual' })
  const location = res.headers.get('location')
  if (res.status !== 303 || !location) throw new Error(`the login shortcut did not redirect (${res.status})`)
  const callback = new URL(location)
  if (callback.searchParams.get('state') !== request.state) throw new Error('state mismatch on the callback')
  const tokens = await client.exchangeCode(callback.searchParams.get('code') ?? '', request.codeVerifier)
  const claims = await verifier.verify(tokens.accessToken)
  console.error(`  ${account}: access token verified, sub ${claims.subject} sv ${claims.sv}`)
  if (!tokens.refreshToken) throw new Error('no refresh token')
  const ciphertext = cipher.encrypt(tokens.refreshToken)
  rows.set(sessionId, { ppnumId: claims.subject, sv: claims.sv ?? null, ciphertext })
  emit(step, 'logged_in', (await tokenCalls()) - before, { sv: claims.sv ?? null })
}

/** @param {string} step @param {string} sessionId */
async function validate(step, sessionId) {
  const before = await tokenCalls()
  const d = await validator.validate(store, sessionId)
  const calls = (await tokenCalls()) - before
  if (d.kind === 'authenticated') emit(step, d.kind, calls, { sv: d.sv, refreshed: d.refreshed })
  else if (d.kind === 'expired') emit(step, d.kind, calls, { cause: d.cause })
  else emit(step, d.kind, calls)
}

/** @param {string} step @param {string} sessionId */
async function liveness(step, sessionId) {
  const ciphertext = rows.get(sessionId)?.ciphertext
  if (!ciphertext) throw new Error('the session has no ciphertext')
  const before = await tokenCalls()
  const outcome = await validator.livenessRefresh(ciphertext)
  const calls = (await tokenCalls()) - before
  if (outcome.kind === 'fresh') emit(step, outcome.kind, calls)
  else if (outcome.kind === 'revoked') emit(step, outcome.kind, calls, { cause: outcome.cause })
  else emit(step, outcome.kind, calls, { cause: outcome.cause, retryAfterMs: outcome.retryAfterMs ?? null })
}

try {
  console.error('1. alice logs in (PKCE S256, no browser) and uses the site')
  await login('login', 'alice', 'session-a')
  await validate('validate', 'session-a')
  await validate('validate_cached', 'session-a')

  console.error("2. break-glass at PAS: alice's sv is bumped; the cache entry is cleared")
  await control('POST', 'accounts/alice/bump-sv', {})
  validator.memoryCache.clear()
  await validate('break_glass', 'session-a')

  console.error("3. PAS revokes alice's refresh tokens")
  await control('POST', 'accounts/alice/revoke', {})
  validator.memoryCache.clear()
  await validate('revoked', 'session-a')

  console.error('4. bob logs in; then PAS answers 503 on every token call')
  await login('login_bob', 'bob', 'session-b')
  await control('POST', 'faults', { endpoint: 'token', count: 100, fault: { status: 503, retry_after: 5 } })
  await validate('pas_503_sv_path', 'session-b')
  await liveness('pas_503_liveness', 'session-b')

  console.error('5. requests without a session')
  await validate('no_cookie', '')
  await validate('unknown_session', 'session-x')
} catch (err) {
  const e = /** @type {{ code?: string, message?: string }} */ (err)
  console.error(`demo (Node): ${e.code ?? 'error'}: ${e.message ?? err}`)
  process.exitCode = 1
} finally {
  client.close()
}
