'use strict'
// Runs every script under examples/node (resolving `pas` through examples/node/node_modules/pas,
// linked to this package) and the ESM entry point.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { ROOT } = require('./devserver.js')

const dir = path.join(ROOT, 'examples', 'node')
const link = path.join(dir, 'node_modules', 'pas')
if (!fs.existsSync(link)) {
  fs.mkdirSync(path.dirname(link), { recursive: true })
  fs.symlinkSync(path.resolve(__dirname, '..'), link, 'dir')
}

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  test(`example ${file} runs`, () => {
    const r = spawnSync(process.execPath, [path.join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 30000 })
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
    assert.ok(r.stdout.length > 0)
  })
}

test('ESM entry exports what the CommonJS entry exports', async () => {
  const esm = await import('../index.mjs')
  const cjs = require('..')
  const names = (o) => Object.keys(o).filter((n) => n !== 'default' && !n.startsWith('__')).sort()
  assert.deepEqual(names(esm), names(cjs))
  assert.equal(esm.SessionValidator, cjs.SessionValidator)
})
