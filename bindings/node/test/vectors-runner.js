'use strict'
// The Node runner of the shared conformance vectors (tests/vectors, schema in its README).
//
// It exists so that Node is held to the same decisions as Rust, C, Go and Python: it reads every
// `*.json` in PAS_VECTORS_DIR (default `<repo>/tests/vectors`), computes each row's `actual`
// through this package, compares it with `expect` as JSON values, prints the per-file and summary
// lines, writes PAS_CONFORMANCE_OUT (default `<repo>/target/conformance/node.json`) and exits
// non-zero on any failure. Session rows run through the Promise-based driver
// (`SessionValidator.prototype.validate`) with JS stores whose methods are async and fail by
// rejecting. Standalone (after `npm ci` in bindings/node):
//
//   PAS_VECTORS_DIR=... PAS_CONFORMANCE_OUT=... node bindings/node/test/vectors-runner.js
const fs = require('node:fs')
const path = require('node:path')
const { isDeepStrictEqual } = require('node:util')
const pas = require('..')

const LANGUAGE = 'node'
const SCHEMA = 'pas-vectors/1'
const ROOT = path.resolve(__dirname, '..', '..', '..')

/** A row or file the runner cannot use: a failure, never a skip. */
class VectorError extends Error {}

const vectorsDir = () => process.env.PAS_VECTORS_DIR || path.join(ROOT, 'tests', 'vectors')
const outputPath = () => process.env.PAS_CONFORMANCE_OUT || path.join(ROOT, 'target', 'conformance', `${LANGUAGE}.json`)

/** JSON text with sorted object keys (for FAIL lines). */
function dumps(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]))
    }
    return v
  }
  return JSON.stringify(sort(value))
}

/** The stable code of a pas error; anything else is a runner failure. */
function codeOf(err) {
  if (pas.isPasError(err)) return err.code
  throw err
}

/** `undefined` (an absent optional field) as JSON `null`. */
const orNull = (v) => (v === undefined ? null : v)

// ---- pkce, cipher, errors ----

function runPkce(c) {
  try {
    return { challenge: pas.codeChallenge(c.verifier), error: null }
  } catch (e) {
    return { challenge: null, error: codeOf(e) }
  }
}

function buildCipher(keys) {
  if (!Array.isArray(keys) || keys.length === 0) throw new VectorError('an empty key list')
  return new pas.TokenCipher(keys[0], keys.slice(1))
}

function runCipher(c) {
  try {
    return { plaintext: buildCipher(c.keys).decrypt(c.ciphertext), error: null }
  } catch (e) {
    return { plaintext: null, error: codeOf(e) }
  }
}

const EXTRA_CODES = '__extra_codes__'

function runErrorsFile(doc) {
  const table = new Map(pas.errorCodes().map((r) => [r.code, r.number]))
  const listed = new Set(doc.cases.map((c) => c.id).filter((id) => id !== EXTRA_CODES))
  return doc.cases.map((c) => {
    if (c.id === EXTRA_CODES) return [c, { codes: [...table.keys()].filter((k) => !listed.has(k)) }] // in table order
    return [c, { number: table.has(c.id) ? table.get(c.id) : null }]
  })
}

// ---- jwt ----

const VERIFIER_FIELDS = new Set(['issuer', 'audience', 'algorithms', 'leeway_s', 'profile', 'jwks', 'require_typ', 'max_token_bytes'])

function buildVerifier(spec) {
  const unknown = Object.keys(spec).filter((k) => !VERIFIER_FIELDS.has(k))
  if (unknown.length > 0) throw new VectorError(`unknown verifier fields ${unknown.sort().join(', ')}`)
  const options = {
    issuer: spec.issuer,
    audience: spec.audience,
    jwks: spec.jwks,
    algorithms: spec.algorithms,
    leewaySeconds: spec.leeway_s,
    profile: spec.profile,
  }
  if (spec.require_typ !== undefined) options.requireTyp = spec.require_typ
  if (spec.max_token_bytes !== undefined) options.maxTokenBytes = spec.max_token_bytes
  return new pas.Verifier(options)
}

async function runJwtFile(doc) {
  const built = new Map()
  for (const [name, spec] of Object.entries(doc.verifiers)) {
    try {
      built.set(name, { verifier: buildVerifier(spec) })
    } catch (e) {
      built.set(name, { error: codeOf(e) }) // the build error's code, reported by every row using it
    }
  }
  const out = []
  for (const c of doc.cases) {
    const v = built.get(c.verifier)
    if (v === undefined) throw new VectorError(`row ${c.id}: unknown verifier ${JSON.stringify(c.verifier)}`)
    if (v.error !== undefined) {
      out.push([c, { valid: null, error: v.error }])
      continue
    }
    try {
      const t = await v.verifier.verifyAt(c.token, c.now)
      const valid = {
        sub: t.subject,
        sv: orNull(t.sv),
        client_id: t.clientId,
        jti: t.jwtId,
        exp: t.expiresAt,
        alg: t.algorithm,
        kid: orNull(t.keyId),
      }
      out.push([c, { valid, error: null }])
    } catch (e) {
      out.push([c, { valid: null, error: codeOf(e) }])
    }
  }
  return out
}

// ---- the scripted PAS answers (session and liveness) ----

function script(scripted, answers) {
  for (const answer of answers) {
    const keys = answer !== null && typeof answer === 'object' ? Object.keys(answer) : []
    if (keys.length !== 1) throw new VectorError(`a PAS answer must be an object with one key: ${JSON.stringify(answer)}`)
    const body = answer[keys[0]]
    switch (keys[0]) {
      case 'refresh_ok':
        scripted.refreshOkRaw(body.access_token, body.refresh_token, orNull(body.expect_refresh_token))
        break
      case 'reject':
        scripted.refreshFailsStatus(body.status, body.error)
        break
      case 'server_error':
        scripted.refreshFailsStatus(body.status, null, body.retry_after_s === null ? null : body.retry_after_s * 1000)
        break
      case 'transport':
        if (!['pas_transport', 'pas_timeout', 'pas_bad_response'].includes(body)) {
          throw new VectorError(`unknown transport failure ${JSON.stringify(body)}`)
        }
        scripted.refreshFailsTransport(body)
        break
      default:
        throw new VectorError(`unknown PAS answer ${JSON.stringify(keys[0])}`)
    }
  }
}

// ---- liveness ----

async function runLiveness(c) {
  const scripted = new pas.ScriptedPas()
  script(scripted, c.pas)
  const cipher = c.cipher_keys === null ? null : buildCipher(c.cipher_keys)
  const validator = new pas.SessionValidator(scripted, { cipher })
  const r = await validator.livenessRefresh(c.ciphertext)
  return {
    outcome: r.kind,
    cause: r.kind === 'fresh' ? null : r.cause,
    status: r.kind === 'revoked' ? orNull(r.status) : null,
    retry_after_s: r.kind === 'transient' && r.retryAfterMs !== undefined ? r.retryAfterMs / 1000 : null,
    rotated: r.kind === 'fresh' && r.rotatedCiphertext !== undefined,
    keeps_session: r.keepsSession,
    pas_calls: scripted.callCount,
  }
}

// ---- session ----

/** A JS session store: async methods, failures as rejected Promises, every call in the log. */
class VectorStore {
  constructor(log, sessions, faults) {
    this.log = log
    this.sessions = new Map(Object.entries(sessions).map(([id, s]) => [id, { ppnumId: s.ppnum_id, sv: s.sv, ciphertext: s.ciphertext }]))
    this.faults = faults
    this.finds = 0
  }
  async find(sessionId) {
    this.log.push('find_session')
    this.finds += 1
    if (this.faults.fail_find_call === this.finds) throw new Error('injected find failure')
    const s = this.sessions.get(sessionId)
    return s ? { ...s } : null
  }
  async refreshCiphertext(sessionId) {
    this.log.push('fetch_ciphertext')
    if (this.faults.fail_ciphertext) throw new Error('injected ciphertext failure')
    const s = this.sessions.get(sessionId)
    return s ? s.ciphertext : null
  }
  async persistRefresh(sessionId, sv, rotated) {
    this.log.push(`persist sv=${sv}${rotated !== null ? ' rotated' : ''}`)
    if (this.faults.fail_persist) throw new Error('injected persist failure')
    const s = this.sessions.get(sessionId)
    if (s) {
      s.sv = sv
      if (rotated !== null) s.ciphertext = rotated
    }
    if (this.faults.vanish_after_persist) this.sessions.delete(sessionId)
  }
}

/** A JS sv cache (the shape of a Redis client): async methods, a failing load rejects. */
class VectorCache {
  constructor(log, seed, failLoad) {
    this.log = log
    this.map = new Map(Object.entries(seed))
    this.failLoad = failLoad
  }
  async get(key) {
    this.log.push('load_cache')
    if (this.failLoad) throw new Error('injected cache failure')
    return this.map.has(key) ? this.map.get(key) : null
  }
  async set(key, sv, ttlSeconds) {
    this.log.push(`record_cache sv=${sv} ttl=${ttlSeconds}`)
    this.map.set(key, sv)
  }
  peek(key) {
    return this.map.has(key) ? this.map.get(key) : null
  }
}

const GIVEN_FIELDS = new Set(['cipher_keys', 'sessions', 'cache', 'store_faults', 'cache_fails_load'])

function decisionOf(v) {
  if (v.kind === 'authenticated') return { decision: 'authenticated', cause: null, sv: v.sv, refreshed: v.refreshed }
  if (v.kind === 'expired') return { decision: 'expired', cause: v.cause, sv: null, refreshed: null }
  if (v.kind === 'no_cookie') return { decision: 'no_cookie', cause: null, sv: null, refreshed: null }
  throw new VectorError(`unknown validation kind ${JSON.stringify(v.kind)}`)
}

/** A session row through the Promise driver: `{ steps: [<actual of each step>] }`. */
async function runSession(c) {
  const given = c.given
  const unknown = Object.keys(given).filter((k) => !GIVEN_FIELDS.has(k))
  if (unknown.length > 0) throw new VectorError(`unknown given fields ${unknown.sort().join(', ')}`)
  const log = new pas.EffectLog()
  const scripted = new pas.ScriptedPas(log)
  const store = new VectorStore(log, given.sessions, given.store_faults)
  const cache = new VectorCache(log, given.cache, given.cache_fails_load)
  const cipher = given.cipher_keys === null ? null : buildCipher(given.cipher_keys)
  const validator = new pas.SessionValidator(scripted, { cipher, cache })
  const expects = (c.expect && c.expect.steps) || []
  const steps = []
  for (const [index, step] of c.steps.entries()) {
    if (step.clear_cache_before) cache.map.clear()
    log.take()
    script(scripted, step.pas)
    const callsBefore = scripted.callCount
    let decided
    try {
      decided = decisionOf(await validator.validate(store, step.session_id))
    } catch (e) {
      // The only error the driver raises (store_failed on the first lookup or the re-fetch).
      decided = { decision: 'error', cause: codeOf(e), sv: null, refreshed: null }
    }
    const stored = step.session_id === null ? undefined : store.sessions.get(step.session_id)
    steps.push({
      ...decided,
      effects: log.take(),
      pas_calls: scripted.callCount - callsBefore,
      cache: Object.fromEntries(Object.keys((expects[index] && expects[index].cache) || {}).map((k) => [k, cache.peek(k)])),
      session_sv: stored === undefined ? null : orNull(stored.sv),
    })
  }
  return { steps }
}

// ---- files ----

/** A row's actual value; a runner-side failure (bad row shape) becomes a failing value. */
async function guarded(c, compute) {
  try {
    return await compute(c)
  } catch (e) {
    if (pas.isPasError(e) || e instanceof VectorError || e instanceof TypeError) {
      return { runner_error: `${e.name}: ${e.message}` }
    }
    throw e
  }
}

async function runFile(name, doc) {
  const result = { name, rows: [], error: null }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    result.error = 'not a JSON object'
    return result
  }
  if (doc.schema !== SCHEMA) {
    result.error = `unknown schema ${JSON.stringify(doc.schema)} (this runner knows ${SCHEMA})`
    return result
  }
  if (!Array.isArray(doc.cases)) {
    result.error = 'no cases list'
    return result
  }
  const each = async (compute) => {
    const out = []
    for (const c of doc.cases) out.push([c, await guarded(c, compute)])
    return out
  }
  let pairs
  try {
    switch (doc.file) {
      case 'pkce':
        pairs = await each(runPkce)
        break
      case 'cipher':
        pairs = await each(runCipher)
        break
      case 'jwt':
        pairs = await runJwtFile(doc)
        break
      case 'liveness':
        pairs = await each(runLiveness)
        break
      case 'errors':
        pairs = runErrorsFile(doc)
        break
      case 'session':
        pairs = await each(runSession)
        break
      default:
        result.error = `unknown file kind ${JSON.stringify(doc.file)}`
        return result
    }
  } catch (e) {
    if (!(e instanceof VectorError || e instanceof TypeError)) throw e
    result.error = `cannot run: ${e.name}: ${e.message}`
    return result
  }
  result.rows = pairs.map(([c, actual]) => ({
    id: c.id,
    expect: c.expect,
    actual,
    passed: isDeepStrictEqual(actual, c.expect),
  }))
  return result
}

const passedOf = (f) => f.rows.filter((r) => r.passed).length
const failedOf = (f) => f.rows.filter((r) => !r.passed).length + (f.error !== null ? 1 : 0)

/**
 * Runs every vector file of `dir` (default: PAS_VECTORS_DIR). Returns
 * `{ files: [{ name, rows: [{ id, expect, actual, passed }], error }], error, failed, lines, output }`.
 */
async function runAll(dir = vectorsDir()) {
  const files = []
  let error = null
  let names = []
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()
    if (names.length === 0) error = `${dir}: no vector files (*.json)`
  } catch (e) {
    error = `${dir}: not a folder of vector files (${e.code || e.message})`
  }
  for (const name of names) {
    let doc
    try {
      doc = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))
    } catch (e) {
      files.push({ name, rows: [], error: `cannot read: ${e.message}` })
      continue
    }
    files.push(await runFile(name, doc))
  }
  const failed = files.reduce((n, f) => n + failedOf(f), 0) + (error !== null ? 1 : 0)
  return { files, error, failed, lines: summaryLines(files, error, failed), output: outputDoc(files, error) }
}

/** The per-file lines, one FAIL line per failed row, and the summary (README format). */
function summaryLines(files, error, failed) {
  const lines = []
  if (error !== null) lines.push(`FAIL ${error}`)
  for (const f of files) {
    lines.push(`pas vectors [${LANGUAGE}] ${f.name}: ${passedOf(f)} passed, ${failedOf(f)} failed`)
    if (f.error !== null) lines.push(`FAIL ${f.name}: ${f.error}`)
    for (const r of f.rows) {
      if (!r.passed) lines.push(`FAIL ${f.name} ${r.id}: expected ${dumps(r.expect)} got ${dumps(r.actual)}`)
    }
  }
  const passed = files.reduce((n, f) => n + passedOf(f), 0)
  const rows = passed + files.reduce((n, f) => n + failedOf(f), 0) // as the Rust runner: an unusable file counts as one
  lines.push(`pas vectors [${LANGUAGE}]: ${rows} rows in ${files.length} files, ${passed} passed, ${failed} failed`)
  return lines
}

/** The runner output document (target/conformance/node.json). */
function outputDoc(files, error) {
  const out = { language: LANGUAGE, files: {} }
  for (const f of files) {
    const entry = { passed: passedOf(f), failed: failedOf(f), rows: Object.fromEntries(f.rows.map((r) => [r.id, r.actual])) }
    if (f.error !== null) entry.error = f.error
    out.files[f.name] = entry
  }
  if (error !== null) out.error = error
  return out
}

function writeOutput(report, file = outputPath()) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${JSON.stringify(report.output, null, 2)}\n`)
  return file
}

async function main() {
  const report = await runAll()
  for (const line of report.lines) console.log(line)
  writeOutput(report)
  return report.failed === 0 ? 0 : 1
}

module.exports = { runAll, writeOutput, vectorsDir, outputPath, dumps, LANGUAGE, SCHEMA }

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code
    },
    (e) => {
      console.error(e)
      process.exitCode = 1
    },
  )
}
