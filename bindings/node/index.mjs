// ESM entry: the same exports as index.js (CommonJS). test/esm.test.mjs checks the lists agree.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const pas = require('./index.js')

export const {
  AuthorizationRequest,
  Client,
  EffectLog,
  MemorySvCache,
  PasErrorCode,
  RefreshOutcome,
  ScriptedPas,
  SessionCheck,
  SessionValidator,
  TokenCipher,
  TokenSet,
  Verifier,
  codeChallenge,
  coreVersion,
  discover,
  errorCodes,
  expiredCauses,
  generateCodeVerifier,
  generateState,
  isPasError,
  testOnlyPanic,
  validateCodeVerifier,
} = pas

export default pas
