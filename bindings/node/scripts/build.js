#!/usr/bin/env node
// Builds the addon from source with the napi-rs CLI (the package's `install` script).
//   PAS_NODE_PROFILE=release (default) | debug
// Writes pas.<platform>.node, native.js (the loader) and index.d.ts (the typings: the header in
// dts-header.d.ts plus what napi-rs generates from src/). Needs cargo (rustup) on PATH.
'use strict'
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const profile = process.env.PAS_NODE_PROFILE || 'release'
if (!['release', 'debug'].includes(profile)) {
  console.error(`pas: PAS_NODE_PROFILE must be release or debug, not ${profile}`)
  process.exit(2)
}

const cliPkg = require.resolve('@napi-rs/cli/package.json', { paths: [root] })
const bin = require(cliPkg).bin
const cli = path.join(path.dirname(cliPkg), typeof bin === 'string' ? bin : bin.napi)

const env = { ...process.env }
const cargoBin = path.join(os.homedir(), '.cargo', 'bin')
if (fs.existsSync(cargoBin)) env.PATH = `${cargoBin}${path.delimiter}${env.PATH || ''}`

const args = [cli, 'build', '--platform', '--js', 'native.js', '--dts', 'index.d.ts', '--no-const-enum']
if (profile === 'release') args.push('--release')
console.error(`pas: building the addon (${profile}) with napi-rs`)
const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' })
if (r.error) throw r.error
process.exit(r.status ?? 1)
