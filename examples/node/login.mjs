// @ts-check
// The login half: PKCE authorization URL (sync), then the code exchange (a Promise), with a
// coded error when PAS says no. Runs against pas-devserver when PAS_BASE_URL is set, else only
// prints the authorization URL.
import { Client, TokenCipher, isPasError } from 'pas'

const baseUrl = process.env.PAS_BASE_URL ?? 'https://accounts.example.com'
const client = new Client({ clientId: 'pas-demo', redirectUri: 'http://127.0.0.1:8765/cb', baseUrl })
const request = client.authorizationRequest()
console.log(`redirect the browser to ${new URL(request.url).origin}/oauth/authorize?…`)
// Keep request.state and request.codeVerifier server-side until the callback.

if (process.env.PAS_BASE_URL) {
  try {
    await client.exchangeCode('code-from-the-callback', request.codeVerifier)
    process.exitCode = 1
  } catch (err) {
    if (!isPasError(err)) throw err
    console.log(`exchange refused: ${err.code} ${err.status ?? ''} ${err.oauthError ?? ''}`)
  }
}
const cipher = new TokenCipher(TokenCipher.generateKey())
console.log(`a sealed refresh token is ${cipher.encrypt('rt-example').length} base64 characters`)
client.close()
