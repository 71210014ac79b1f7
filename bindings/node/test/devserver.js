'use strict'
// Starts pas-devserver (target/debug/pas-devserver, built by scripts/test-node.sh) on an
// ephemeral loopback port and returns its URLs, a control helper and stop().
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const ROOT = path.resolve(__dirname, '..', '..', '..')

async function startDevserver(args = []) {
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target')
  const bin = process.env.PAS_DEVSERVER_BIN || path.join(targetDir, 'debug', 'pas-devserver')
  if (!fs.existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '-q', '-p', 'pas-devserver'], { cwd: ROOT, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('could not build pas-devserver')
  }
  const child = spawn(bin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
  const rl = readline.createInterface({ input: child.stdout })
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pas-devserver not ready in 30 s')), 30000)
    rl.once('line', (l) => {
      clearTimeout(timer)
      resolve(l)
    })
    child.once('exit', (code) => reject(new Error(`pas-devserver exited (${code})`)))
  })
  rl.close()
  child.stdout.resume()
  const info = JSON.parse(line.slice(line.indexOf(' ') + 1))
  const control = async (method, p, body) => {
    const res = await fetch(`${info.control_url}${p}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', connection: 'close' },
    })
    const text = await res.text()
    return text ? JSON.parse(text) : null
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { ...info, control, stop, child }
}

module.exports = { startDevserver, ROOT }
