// A typed use of the whole API, checked by `tsc --noEmit --strict` (not run).
import {
  Client, EffectLog, MemorySvCache, ScriptedPas, SessionValidator, TokenCipher, Verifier, codeChallenge, discover,
  errorCodes, expiredCauses, generateCodeVerifier, isPasError,
} from 'pas'
import type {
  ExpiredCause, LivenessOutcome, PasError, PasErrorCode, SessionStore, StoredSession, SvCache, TokenSet,
  Validation, VerifiedToken,
} from 'pas'

interface MySession extends StoredSession { userName: string; ciphertext: string | null }

const sessions = new Map<string, MySession>()
const store: SessionStore<MySession> = {
  async find(id) { return sessions.get(id) ?? null },
  async refreshCiphertext(id) { return sessions.get(id)?.ciphertext ?? null },
  async persistRefresh(id, sv, rotated) {
    const s = sessions.get(id)
    if (s) { s.sv = sv; if (rotated !== null) s.ciphertext = rotated }
  },
}
const redisLike: SvCache = { get: async (_key: string) => null, set: async () => undefined }

async function main(): Promise<void> {
  const client = new Client({ clientId: 'c', redirectUri: 'http://127.0.0.1/cb', baseUrl: 'https://pas.example' })
  const cipher = new TokenCipher(TokenCipher.generateKey(), [])
  const validator = new SessionValidator(client, { cipher, cache: redisLike })
  const testValidator = new SessionValidator(new ScriptedPas(), { cipher })
  const log = new EffectLog()
  const logged = new SessionValidator(new ScriptedPas(log), { cipher })
  const effects: string[] = log.take(); void logged; void effects
  const v: Validation<MySession> = await validator.validate(store, 'sid')
  switch (v.kind) {
    case 'authenticated': { const name: string = v.session.userName; const sv: number = v.sv; void name; void sv; break }
    case 'expired': { const cause: ExpiredCause = v.cause; void cause; break }
    case 'no_cookie': break
  }
  void testValidator
  const tokens: TokenSet = await client.refresh('rt')
  const rt: string | null = tokens.refreshToken
  const live: LivenessOutcome = await client.livenessRefresh(cipher, cipher.encrypt(rt ?? ''))
  if (live.kind === 'transient') { const ms: number | undefined = live.retryAfterMs; void ms }
  const keeps: boolean = live.keepsSession; void keeps
  const verifier = new Verifier({ issuer: 'i', audience: 'a', jwks: { keys: [] }, algorithms: ['EdDSA'] })
  const claims: VerifiedToken = verifier.verifyCached('t')
  const later: VerifiedToken = await verifier.verify('t')
  void claims; void later
  const c2: Client = await discover('https://pas.example', 'c', 'http://127.0.0.1/cb', { requestTimeoutMs: 2000 })
  c2.close()
  const cache = new MemorySvCache()
  cache.set('sv:x', 1, 60)
  const n: number | null = cache.get('sv:x'); void n
  const challenge: string = codeChallenge(generateCodeVerifier()); void challenge
  const codes: PasErrorCode[] = errorCodes().map((r) => r.code)
  const causes: ExpiredCause[] = expiredCauses()
  void codes; void causes
  try { cipher.decrypt('x') } catch (e: unknown) {
    if (isPasError(e)) { const err: PasError = e; const code: PasErrorCode = err.code; void code }
  }
}
void main
