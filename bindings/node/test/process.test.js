'use strict'
// worker_threads, and a clean process exit with no pending handles after closing clients.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { spawnSync } = require('node:child_process')
const pas = require('..')
const { keys, mint, claims, ISS, AUD } = require('./jwt-helpers.js')
const { startDevserver } = require('./devserver.js')

test('the addon works from worker_threads, concurrently with the main thread', async () => {
  const k = keys()
  const token = mint(k, claims(Math.floor(Date.now() / 1000)))
  const run = (id) =>
    new Promise((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'fixtures', 'worker.js'), {
        workerData: { id, iss: ISS, aud: AUD, jwks: k.jwks, token },
      })
      let msg
      w.on('message', (m) => {
        msg = m
      })
      w.on('error', reject)
      w.on('exit', (code) => (code === 0 ? resolve(msg) : reject(new Error(`worker exit ${code}`))))
    })
  const results = await Promise.all([run(1), run(2), run(3), run(4)])
  for (const r of results) assert.deepEqual(r, { ok: true, calls: 20, subject: '01HZSUBJECT' })
  // After the workers exited, the main thread's async runtime still works.
  const v = new pas.Verifier({ issuer: ISS, audience: AUD, jwks: k.jwks })
  assert.equal((await v.verify(token)).subject, '01HZSUBJECT')
  const results2 = await Promise.all([run(5), run(6)])
  for (const r of results2) assert.equal(r.ok, true)
})

test('the process exits on its own with no pending handles after closing clients', async () => {
  const ds = await startDevserver()
  try {
    await ds.control('POST', '/faults', { endpoint: 'token', count: 1, fault: { delay_ms: 200 } })
    const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'clean-exit.js'), ds.base_url], {
      encoding: 'utf8',
      timeout: 20000,
    })
    assert.equal(r.signal, null, `killed: ${r.stderr}`)
    assert.equal(r.status, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    const outcomes = JSON.parse(lines[0])
    assert.deepEqual(outcomes[0], { kind: 'expired', cause: 'pas_rejected' }) // 'rt' is unknown to PAS
    assert.equal(outcomes[1], 'pas_rejected')
    assert.equal(outcomes[2].kind, 'revoked')
    assert.equal(outcomes[3], null) // prefetch resolved
    assert.equal(lines[1], 'ACTIVE []')
  } finally {
    await ds.stop()
  }
})
