// @ts-check
// The README example: validate a session cookie with pas (here against a scripted PAS, so it
// runs offline; use `new Client({ clientId, redirectUri, baseUrl })` in production).
import { ScriptedPas, SessionValidator, TokenCipher } from 'pas'

const cipher = new TokenCipher(TokenCipher.generateKey()) // production: a stored 32-byte key
const pas = new ScriptedPas() // production: new Client({ clientId, redirectUri, baseUrl })
pas.refreshOk({ sub: 'acct-1', sv: 2 })
const validator = new SessionValidator(pas, { cipher })

/** @type {Map<string, { ppnumId: string, sv: number | null, ciphertext: string }>} */
const sessions = new Map([['sid-1', { ppnumId: 'acct-1', sv: 1, ciphertext: cipher.encrypt('rt-1') }]])
/** @type {import('pas').SessionStore<{ ppnumId: string, sv: number | null, ciphertext: string }>} */
const store = {
  find: async (id) => sessions.get(id) ?? null,
  refreshCiphertext: async (id) => sessions.get(id)?.ciphertext ?? null,
  persistRefresh: async (id, sv, rotated) => {
    const s = sessions.get(id)
    if (s) Object.assign(s, { sv }, rotated ? { ciphertext: rotated } : {})
  },
}

const decision = await validator.validate(store, 'sid-1')
if (decision.kind === 'authenticated') console.log(`authenticated: sv=${decision.sv} refreshed=${decision.refreshed}`)
else if (decision.kind === 'expired') console.log(`expired: ${decision.cause}`)
else console.log('no cookie')
if (decision.kind !== 'authenticated' || decision.sv !== 2) process.exitCode = 1
