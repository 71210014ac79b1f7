'use strict'
// The shared conformance vectors (tests/vectors) under `node --test`: one subtest per file and one
// per row, so a failure names its file and row. The run writes target/conformance/node.json (or
// PAS_CONFORMANCE_OUT) and reports the runner's per-file and summary lines as diagnostics.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { runAll, writeOutput, outputPath, dumps } = require('./vectors-runner.js')

test('conformance vectors', async (t) => {
  const report = await runAll()
  writeOutput(report)
  for (const line of report.lines) t.diagnostic(line)

  for (const f of report.files) {
    await t.test(f.name, async (tf) => {
      for (const r of f.rows) {
        await tf.test(r.id, () => {
          assert.ok(r.passed, `${f.name} ${r.id}: expected ${dumps(r.expect)} got ${dumps(r.actual)}`)
        })
      }
      assert.equal(f.error, null, `${f.name}: ${f.error}`)
      assert.ok(f.rows.length > 0, `${f.name}: no rows`)
    })
  }

  assert.equal(report.error, null, report.error ?? '')
  assert.ok(report.files.length > 0, 'no vector files')
  const written = JSON.parse(fs.readFileSync(outputPath(), 'utf8'))
  assert.equal(written.language, 'node')
  assert.deepEqual(Object.keys(written.files).sort(), report.files.map((f) => f.name).sort())
  assert.equal(report.failed, 0, `${report.failed} failed`)
})
