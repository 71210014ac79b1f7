// Loopback-only PAS stand-in built on panva/oidc-provider (security-testing.md §4.2, adapted):
// - PORT=0 (the default) picks an ephemeral port; the issuer follows the real port.
// - When listening, prints exactly one line on stdout:
//     OIDC_AS_READY {"base_url":"http://127.0.0.1:PORT","issuer":"…","pid":N}
// - Adds a public client (token_endpoint_auth_method 'none'), as pas is a public client.
// Knobs (env): PORT, PAS_AUD (default urn:pas:api), KEYS (e.g. "k2,k1": publish both, sign
// with the first), AT_TTL (access-token seconds, default 300), RT_TTL (refresh-token seconds,
// default 3600), REDIRECT_URIS (comma list, default http://127.0.0.1:8765/cb).
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const PORT = Number(process.env.PORT || 0);
const AUD = process.env.PAS_AUD || 'urn:pas:api';
const AT_TTL = Number(process.env.AT_TTL || 300);
const RT_TTL = Number(process.env.RT_TTL || 3600);
const REDIRECT_URIS = (process.env.REDIRECT_URIS || 'http://127.0.0.1:8765/cb').split(',');
const sv = new Map(); // accountId -> integer session version

async function mk(kid) {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}
// KEYS="k2,k1" => sign with k2 (first), still publish k1 (rotation overlap).
const keys = await Promise.all((process.env.KEYS || 'k1').split(',').map(mk));

// Listen first so that an ephemeral port is known before the issuer is fixed.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const ISSUER = `http://127.0.0.1:${server.address().port}`;

const common = {
  redirect_uris: REDIRECT_URIS,
  grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
  id_token_signed_response_alg: 'ES256',            // required: the keystore has no RS256 key
};

const provider = new Provider(ISSUER, {
  clients: [
    { client_id: 'pas-test', client_secret: 'pas-test-secret',
      token_endpoint_auth_method: 'client_secret_basic', ...common },
    { client_id: 'pas-test-public', token_endpoint_auth_method: 'none', ...common },
  ],
  jwks: { keys },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access'],
  ttl: { AccessToken: AT_TTL, RefreshToken: RT_TTL, Session: 3600, Grant: 3600, Interaction: 600, AuthorizationCode: 60 },
  features: {
    devInteractions: { enabled: true },              // built-in login form: any login/password is accepted
    revocation: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {                            // makes access tokens RFC 9068 JWTs (typ at+jwt)
      enabled: true,
      defaultResource: () => AUD,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api', audience: AUD, accessTokenTTL: AT_TTL,
        accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
    },
  },
  extraTokenClaims: async (ctx, token) =>            // the custom integer claim
    token.kind === 'AccessToken' ? { sv: sv.get(token.accountId) ?? 1 } : undefined,
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  loadExistingGrant: async (ctx) => {                // auto-consent: no consent page
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(AUD, 'api');
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
});

// Test hooks: /__test/sv?sub=alice&v=2 | /__test/fail-token?mode=M | /__test/stats
// M = invalid_grant | invalid_client | 500 | 502html | garbage200 | hang | off   (applies to every POST /token)
const stats = { jwks: 0, token: 0 };
let failMode = null;
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/sv') { sv.set(ctx.query.sub, Number(ctx.query.v)); ctx.body = { ok: true }; return; }
  if (ctx.path === '/__test/fail-token') { failMode = ctx.query.mode === 'off' ? null : ctx.query.mode; ctx.body = { ok: true, failMode }; return; }
  if (ctx.path === '/__test/stats') { ctx.body = stats; return; }
  if (ctx.path === '/jwks') stats.jwks += 1;
  if (ctx.path === '/token' && ctx.method === 'POST') {
    stats.token += 1;
    switch (failMode) {
      case null: break;
      case '500': ctx.status = 500; ctx.body = { error: 'server_error' }; return;
      case '502html': ctx.status = 502; ctx.type = 'html'; ctx.body = '<html><body>Bad Gateway</body></html>'; return;
      case 'garbage200': ctx.status = 200; ctx.type = 'json'; ctx.body = '{"access_token": '; return;
      case 'hang': await new Promise((r) => setTimeout(r, 120_000)); ctx.status = 504; return;
      case 'invalid_client': ctx.status = 401; ctx.set('WWW-Authenticate', 'Basic realm="pas"'); ctx.body = { error: 'invalid_client' }; return;
      default: ctx.status = 400; ctx.body = { error: failMode, error_description: 'forced by test hook' }; return;
    }
  }
  await next();
});

server.on('request', provider.callback());
process.stdout.write(`OIDC_AS_READY ${JSON.stringify({ base_url: ISSUER, issuer: ISSUER, pid: process.pid })}\n`);
console.error(`oidc-provider listening on ${ISSUER} pid=${process.pid}`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); process.exit(0); });
