'use strict'
// Every session scenario of pas-reference §12.1 and §12.2, mirroring
// pas-core/tests/session_scenarios.rs (same decisions, causes and effect sequences), through the
// Promise-based JS driver with JS stores that inject failures.
const test = require('node:test')
const assert = require('node:assert/strict')
const pas = require('..')
const { SID, PPNUM, RT, world, path } = require('./helpers.js')

const expired = (v, cause) => assert.deepEqual(v, { kind: 'expired', cause })

// ---- §12.1 ----

test('s01 PAS rejected is expired', async () => {
  const w = world()
  w.pas.refreshFailsStatus(400, 'invalid_grant')
  expired(await w.validate(), 'pas_rejected')
  assert.deepEqual(w.effects(), path())
  assert.equal(w.cache.peek(w.key), null)
})

test('s02 PAS server error is expired (fail closed)', async () => {
  const w = world()
  w.pas.refreshFailsStatus(503, null, 5000)
  expired(await w.validate(), 'pas_unavailable')
  assert.deepEqual(w.effects(), path())
})

test('s03 PAS transport failure, timeout or garbage is expired', async () => {
  const w = world()
  for (const code of ['pas_timeout', 'pas_transport', 'pas_bad_response']) {
    w.pas.refreshFailsTransport(code)
    expired(await w.validate(), 'pas_unavailable')
  }
})

test('s04 undecryptable ciphertext is expired and PAS is not called', async () => {
  const w = world()
  const other = new pas.TokenCipher(pas.TokenCipher.generateKey())
  w.store.insert(SID, { ppnumId: PPNUM, sv: 3, ciphertext: other.encrypt(RT) })
  expired(await w.validate(), 'decrypt_failed')
  w.store.insert(SID, { ppnumId: PPNUM, sv: 3, ciphertext: 'garbage!' })
  expired(await w.validate(), 'decrypt_failed')
  assert.equal(w.pas.callCount, 0)
})

test('s05 refreshed token without sv is expired', async () => {
  const w = world()
  w.pas.refreshOk({ sub: PPNUM })
  expired(await w.validate(), 'sv_missing')
  assert.deepEqual(w.effects(), path())
})

test('s06 persist failure is expired and the cache is untouched', async () => {
  const w = world()
  w.store.faults.failPersist = true
  w.refreshOk(4)
  expired(await w.validate(), 'persist_failed')
  assert.deepEqual(w.effects(), path('persist sv=4'))
  assert.equal(w.cache.peek(w.key), null)
})

test('s07 ciphertext lookup failure (rejected Promise or sync throw) is expired', async () => {
  for (const how of ['reject', 'throw']) {
    const w = world()
    w.store.faults.failCiphertext = how
    expired(await w.validate(), 'ciphertext_lookup_failed')
    assert.deepEqual(w.effects(), ['find_session', 'load_cache', 'fetch_ciphertext'])
    assert.equal(w.pas.callCount, 0)
  }
})

test('s08 session gone on re-fetch is expired', async () => {
  const w = world()
  w.store.faults.vanishAfterPersist = true
  w.refreshOk(4)
  expired(await w.validate(), 'session_gone')
  assert.deepEqual(w.effects(), path('persist sv=4', 'record_cache sv=4 ttl=60', 'find_session'))
})

test('s09/s20 happy path refreshes, persists, caches, re-fetches in that order', async () => {
  const w = world()
  w.refreshOk(5)
  const v = await w.validate()
  assert.equal(v.kind, 'authenticated')
  assert.equal(v.sv, 5)
  assert.equal(v.refreshed, true)
  assert.equal(v.session.sv, 5)
  assert.equal(w.store.get(SID).sv, 5)
  assert.equal(w.cache.peek(w.key), 5)
  assert.deepEqual(w.effects(), path('persist sv=5', 'record_cache sv=5 ttl=60', 'find_session'))
  assert.deepEqual(w.pas.tokensSent(), [RT])
})

test('s10 stale cache takes the refresh path', async () => {
  const w = world()
  w.cache.seed(w.key, 4)
  w.refreshOk(4)
  const v = await w.validate()
  assert.equal(v.kind, 'authenticated')
  assert.equal(v.sv, 4)
  assert.equal(v.refreshed, true)
  assert.deepEqual(w.effects(), path('persist sv=4', 'record_cache sv=4 ttl=60', 'find_session'))
})

test('s11 session without ciphertext is expired', async () => {
  const w = world()
  w.store.insert(SID, { ppnumId: PPNUM, sv: 3, ciphertext: null })
  expired(await w.validate(), 'ciphertext_missing')
  assert.deepEqual(w.effects(), ['find_session', 'load_cache', 'fetch_ciphertext'])
})

test('s12 validator without cipher is expired without fetching', async () => {
  const w = world({ cipher: false })
  expired(await w.validate(), 'no_cipher')
  assert.deepEqual(w.effects(), ['find_session', 'load_cache'])
  assert.equal(w.pas.callCount, 0)
})

// ---- §12.2 ----

test('s13 fresh cache does no further I/O', async () => {
  const w = world()
  w.cache.seed(w.key, 3)
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv, v.refreshed], ['authenticated', 3, false])
  assert.deepEqual(w.effects(), ['find_session', 'load_cache'])
})

test('s14 session newer than the cache is fresh', async () => {
  const w = world({ sessionSv: 7 })
  w.cache.seed(w.key, 3)
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv, v.refreshed], ['authenticated', 7, false])
  assert.deepEqual(w.effects(), ['find_session', 'load_cache'])
})

test('s15 cache error on load is unknown and refreshes', async () => {
  const w = world()
  w.cache.seed(w.key, 3)
  w.cache.failLoad = true
  w.refreshOk(3)
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv, v.refreshed], ['authenticated', 3, true])
  assert.deepEqual(w.effects(), path('persist sv=3', 'record_cache sv=3 ttl=60', 'find_session'))
})

test('s16 session without sv is never admitted unchecked', async () => {
  const w = world({ sessionSv: null })
  w.cache.seed(w.key, 0)
  w.refreshOk(2)
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv, v.refreshed], ['authenticated', 2, true])
  assert.equal(w.pas.callCount, 1)
})

test('s17 sv missing, null or not JSON is sv_missing', async () => {
  for (const claims of [{ sub: PPNUM }, { sub: PPNUM, sv: null }]) {
    const w = world({ sessionSv: 1 })
    w.pas.refreshOk(claims)
    expired(await w.validate(), 'sv_missing')
  }
  const w = world({ sessionSv: 1 })
  w.pas.refreshOkRaw('opaque-not-a-jwt')
  expired(await w.validate(), 'sv_missing')
})

test('s17a sv not a non-negative integer is sv_invalid', async () => {
  for (const sv of ['2', 2.5, -1, true, [2]]) {
    const w = world({ sessionSv: 1 })
    w.refreshOk(sv)
    expired(await w.validate(), 'sv_invalid')
    assert.equal(w.store.get(SID).sv, 1)
  }
})

test('s17b sv regression is expired', async () => {
  let w = world({ sessionSv: 5 })
  w.refreshOk(4)
  expired(await w.validate(), 'sv_regressed')
  w = world({ sessionSv: 2 })
  w.cache.seed(w.key, 6)
  w.refreshOk(5)
  expired(await w.validate(), 'sv_regressed')
  assert.equal(w.store.get(SID).sv, 2)
})

test('s18 a rotated refresh token is persisted with the new sv', async () => {
  const w = world()
  w.refreshOk(4, 'rt-rotated')
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv], ['authenticated', 4])
  assert.deepEqual(w.effects(), path('persist sv=4 rotated', 'record_cache sv=4 ttl=60', 'find_session'))
  assert.equal(w.cipher.decrypt(w.store.get(SID).ciphertext), 'rt-rotated')
  // The next refresh sends the rotated token, never the old one.
  w.cache.clear()
  w.pas.expectRefresh('rt-rotated', { sv: 4 })
  assert.equal((await w.validate()).kind, 'authenticated')
  assert.deepEqual(w.pas.tokensSent(), [RT, 'rt-rotated'])
})

test('s19 same or absent refresh token persists sv only', async () => {
  for (const returned of [null, RT]) {
    const w = world()
    const before = w.store.get(SID).ciphertext
    w.refreshOk(4, returned)
    assert.equal((await w.validate()).kind, 'authenticated')
    assert.deepEqual(w.effects(), path('persist sv=4', 'record_cache sv=4 ttl=60', 'find_session'))
    assert.equal(w.store.get(SID).ciphertext, before)
  }
})

test('s21 store error on the first lookup or the re-fetch rejects with store_failed', async () => {
  for (const throwSync of [false, true]) {
    let w = world()
    w.store.faults = { failFindCall: 1, throwSync }
    await assert.rejects(w.validate(), (e) => pas.isPasError(e) && e.code === 'store_failed')
    assert.deepEqual(w.effects(), ['find_session'])

    w = world()
    w.store.faults = { failFindCall: 2, throwSync }
    w.refreshOk(4)
    await assert.rejects(w.validate(), (e) => pas.isPasError(e) && e.code === 'store_failed')
    assert.deepEqual(w.effects(), path('persist sv=4', 'record_cache sv=4 ttl=60', 'find_session'))
  }
})

test('s22 N concurrent validations of one stale session make one PAS call', async () => {
  const w = world()
  w.pas.setDelayMs(200)
  w.refreshOk(4, 'rt-rotated')
  const all = await Promise.all(Array.from({ length: 16 }, () => w.validate()))
  for (const v of all) assert.deepEqual([v.kind, v.sv], ['authenticated', 4])
  assert.equal(w.pas.callCount, 1)
  assert.equal(w.pas.unexpectedCalls, 0)
  assert.equal(w.cipher.decrypt(w.store.get(SID).ciphertext), 'rt-rotated')
})

test('s22b concurrent failures are shared, then retried', async () => {
  const w = world()
  w.pas.setDelayMs(200)
  w.pas.refreshFailsStatus(503)
  const all = await Promise.all(Array.from({ length: 8 }, () => w.validate()))
  for (const v of all) expired(v, 'pas_unavailable')
  assert.equal(w.pas.callCount, 1)
  w.refreshOk(3)
  assert.equal((await w.validate()).sv, 3)
  assert.equal(w.pas.callCount, 2)
})

test('s23 no cookie and unknown session', async () => {
  const w = world()
  for (const sid of [null, undefined, '']) {
    assert.deepEqual(await w.validator.validate(w.store, sid), { kind: 'no_cookie' })
  }
  assert.deepEqual(w.effects(), [])
  expired(await w.validator.validate(w.store, 'no-such-session'), 'session_unknown')
  assert.deepEqual(w.effects(), ['find_session'])
})

test('second validation is served from the cache', async () => {
  const w = world()
  w.refreshOk(3)
  assert.equal((await w.validate()).refreshed, true)
  w.effects()
  const v = await w.validate()
  assert.deepEqual([v.kind, v.sv, v.refreshed], ['authenticated', 3, false])
  assert.deepEqual(w.effects(), ['find_session', 'load_cache'])
  assert.equal(w.pas.callCount, 1)
})

test('break-glass bump forces a refresh that picks up the new sv, then revoke expires', async () => {
  const w = world()
  w.cache.seed(w.key, 3)
  assert.equal((await w.validate()).refreshed, false)
  w.cache.seed(w.key, 4) // PAS bumps sv and writes the shared cache
  w.refreshOk(4)
  const v = await w.validate()
  assert.deepEqual([v.sv, v.refreshed], [4, true])
  w.cache.seed(w.key, 5) // bumped again, and the refresh token revoked
  w.pas.refreshFailsStatus(400, 'invalid_grant')
  expired(await w.validate(), 'pas_rejected')
})

test('built-in memory cache (no cache option) and the store interface with plain values', async () => {
  const sp = new pas.ScriptedPas()
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const validator = new pas.SessionValidator(sp, { cipher })
  const sessions = new Map([['s', { ppnumId: 'acct', sv: 1, ciphertext: cipher.encrypt('rt') }]])
  // Plain (non-Promise) return values are accepted too.
  const store = {
    find: (id) => sessions.get(id) ?? null,
    refreshCiphertext: (id) => sessions.get(id)?.ciphertext ?? null,
    persistRefresh: (id, sv) => {
      sessions.get(id).sv = sv
    },
  }
  sp.refreshOk({ sv: 1 })
  assert.equal((await validator.validate(store, 's')).refreshed, true)
  assert.equal(validator.memoryCache.get('sv:acct'), 1)
  assert.equal((await validator.validate(store, 's')).refreshed, false)
  assert.equal(sp.callCount, 1)
})

test('a store returning an unreadable session is a store failure, never an admission', async () => {
  const w = world()
  w.store.find = async () => ({ sv: 3 }) // no ppnumId
  await assert.rejects(w.validate(), (e) => e.code === 'store_failed')
})

test('the machine itself fails closed when fed out of order', () => {
  const w = world()
  const check = w.validator.start('s1')
  assert.equal(check.step().kind, 'find_session')
  assert.equal(check.feedCacheRecorded().kind, 'failed')
  assert.throws(() => check.throwIfFailed(), (e) => e.code === 'invalid_state')
})

test('many concurrent validations of distinct sessions on one event loop', async () => {
  const w = world()
  const n = 500
  for (let i = 0; i < n; i++) {
    w.store.insert(`s${i}`, { ppnumId: `acct${i % 50}`, sv: 2, ciphertext: w.cipher.encrypt(`rt${i}`) })
  }
  for (let i = 0; i < 50; i++) w.cache.seed(`sv:acct${i}`, i % 2 === 0 ? 2 : 3)
  for (let i = 0; i < n; i++) if (i % 50 % 2 === 1) w.pas.refreshOk({ sv: 3 })
  const results = await Promise.all(Array.from({ length: n }, (_, i) => w.validator.validate(w.store, `s${i}`)))
  for (const [i, v] of results.entries()) {
    assert.equal(v.kind, 'authenticated', `session ${i}`)
    assert.equal(v.refreshed, i % 50 % 2 === 1)
  }
  assert.equal(w.pas.callCount, n / 2)
})

test('a ScriptedPas built with an EffectLog writes refresh_at_pas where PAS is called', async () => {
  const log = new pas.EffectLog()
  const sp = new pas.ScriptedPas(log)
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const validator = new pas.SessionValidator(sp, { cipher })
  const store = {
    find: async () => (log.push('find_session'), { ppnumId: PPNUM, sv: 1 }),
    refreshCiphertext: async () => (log.push('fetch_ciphertext'), cipher.encrypt(RT)),
    persistRefresh: async (_id, sv) => log.push(`persist sv=${sv}`),
  }
  sp.refreshOk({ sub: PPNUM, sv: 2 })
  assert.equal((await validator.validate(store, SID)).kind, 'authenticated')
  assert.deepEqual(log.take(), ['find_session', 'fetch_ciphertext', 'refresh_at_pas', 'persist sv=2', 'find_session'])
  assert.deepEqual(log.entries(), [])
  // Undecryptable: the core never calls PAS, so nothing is logged for it.
  store.refreshCiphertext = async () => (log.push('fetch_ciphertext'), 'garbage!')
  validator.memoryCache.clear()
  assert.deepEqual(await validator.validate(store, SID), { kind: 'expired', cause: 'decrypt_failed' })
  assert.deepEqual(log.take(), ['find_session', 'fetch_ciphertext'])
})

test('liveness outcomes carry the core keepsSession verdict', async () => {
  const sp = new pas.ScriptedPas()
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  const validator = new pas.SessionValidator(sp, { cipher })
  const ct = cipher.encrypt(RT)
  sp.refreshOk({ sub: PPNUM, sv: 1 }, 'rt-2')
  sp.refreshFailsStatus(503, null, 7000)
  sp.refreshFailsStatus(400, 'invalid_grant')
  const fresh = await validator.livenessRefresh(ct)
  assert.equal(fresh.kind, 'fresh')
  assert.equal(fresh.keepsSession, true)
  assert.equal(typeof fresh.rotatedCiphertext, 'string')
  assert.deepEqual(await validator.livenessRefresh(ct), {
    kind: 'transient', keepsSession: true, cause: 'pas_unavailable', retryAfterMs: 7000,
  })
  assert.deepEqual(await validator.livenessRefresh(ct), { kind: 'revoked', keepsSession: false, cause: 'pas_rejected', status: 400 })
})
