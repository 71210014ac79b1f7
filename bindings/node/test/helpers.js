'use strict'
// Shared test fixtures: a JS session store and sv cache that log their effects (the same names
// as pas-core/tests/session_scenarios.rs) and inject failures in the ways a JS store can fail:
// rejected Promises, synchronous throws, and missing sessions.
const pas = require('..')

const SID = 'sid-1'
const PPNUM = '01HZPPNUMID00000000000000'
const RT = 'rt-original'

class JsStore {
  constructor(log) {
    this.log = log
    this.sessions = new Map()
    this.finds = 0
    this.faults = {}
  }
  insert(id, session) {
    this.sessions.set(id, { ...session })
  }
  get(id) {
    return this.sessions.get(id)
  }
  async find(sessionId) {
    this.log.push('find_session')
    this.finds += 1
    if (this.faults.failFindCall === this.finds) {
      if (this.faults.throwSync) throw new Error('injected find failure (sync)')
      return Promise.reject(new Error('injected find failure'))
    }
    const s = this.sessions.get(sessionId)
    return s ? { ...s } : null
  }
  refreshCiphertext(sessionId) {
    this.log.push('fetch_ciphertext')
    // Deliberately not async: a synchronous throw must count as a store failure too.
    if (this.faults.failCiphertext === 'throw') throw new Error('injected ciphertext failure (sync)')
    if (this.faults.failCiphertext === 'reject') return Promise.reject(new Error('injected ciphertext failure'))
    const s = this.sessions.get(sessionId)
    return Promise.resolve(s ? s.ciphertext ?? null : null)
  }
  async persistRefresh(sessionId, sv, rotated) {
    this.log.push(`persist sv=${sv}${rotated ? ' rotated' : ''}`)
    if (this.faults.failPersist) throw new Error('injected persist failure')
    const s = this.sessions.get(sessionId)
    if (s) {
      s.sv = sv
      if (rotated) s.ciphertext = rotated
    }
    if (this.faults.vanishAfterPersist) this.sessions.delete(sessionId)
  }
}

class JsCache {
  constructor(log) {
    this.log = log
    this.map = new Map()
    this.failLoad = false
  }
  seed(key, sv) {
    this.map.set(key, sv)
  }
  peek(key) {
    return this.map.get(key) ?? null
  }
  clear() {
    this.map.clear()
  }
  async get(key) {
    this.log.push('load_cache')
    if (this.failLoad) throw new Error('injected load failure')
    return this.map.get(key) ?? null
  }
  async set(key, sv, ttl) {
    this.log.push(`record_cache sv=${sv} ttl=${ttl}`)
    this.map.set(key, sv)
  }
}

/** A scripted PAS that logs `refresh_at_pas` (through the call count) into the effect log. */
function world({ sessionSv = 3, cipher: withCipher = true } = {}) {
  const log = []
  const pasDouble = new pas.ScriptedPas()
  const store = new JsStore(log)
  const cache = new JsCache(log)
  const cipher = new pas.TokenCipher(pas.TokenCipher.generateKey())
  store.insert(SID, { ppnumId: PPNUM, sv: sessionSv, ciphertext: cipher.encrypt(RT) })
  const validator = new pas.SessionValidator(pasDouble, { cipher: withCipher ? cipher : null, cache })
  const key = `sv:${PPNUM}`
  let seenCalls = 0
  // The effect log of the Rust scenarios has `refresh_at_pas` where PAS is called; the JS double
  // counts calls, so splice the entry in after the ciphertext fetch.
  const effects = () => {
    const out = []
    const calls = pasDouble.callCount - seenCalls
    seenCalls = pasDouble.callCount
    let inserted = 0
    for (const e of log) {
      out.push(e)
      if (e === 'fetch_ciphertext' && inserted < calls) {
        out.push('refresh_at_pas')
        inserted++
      }
    }
    log.length = 0
    return out
  }
  const validate = () => validator.validate(store, SID)
  const refreshOk = (sv, refreshToken) => pasDouble.refreshOk({ sub: PPNUM, sv }, refreshToken ?? null)
  return { log, pas: pasDouble, store, cache, cipher, validator, key, effects, validate, refreshOk }
}

const PREFIX = ['find_session', 'load_cache', 'fetch_ciphertext', 'refresh_at_pas']
const path = (...rest) => [...PREFIX, ...rest]

module.exports = { SID, PPNUM, RT, JsStore, JsCache, world, path }
