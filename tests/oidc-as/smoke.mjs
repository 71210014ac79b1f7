// Smoke test of the oidc-provider setup: a no-browser PKCE code flow, refresh with sv,
// rotation/reuse detection, code replay and the public client.
// Uses OIDC_AS_URL when set, else starts `node server.mjs` on an ephemeral port itself.
// Prints `oidc-as smoke: N passed, M failed` and exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const REDIRECT = 'http://127.0.0.1:8765/cb';
const AUD = process.env.PAS_AUD || 'urn:pas:api';
const b64u = (b) => Buffer.from(b).toString('base64url');

async function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rl = createInterface({ input: child.stdout });
  const line = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server not ready in 30 s')), 30_000);
    rl.once('line', (l) => { clearTimeout(t); resolve(l); });
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  const info = JSON.parse(line.replace(/^OIDC_AS_READY /, ''));
  return { base: info.base_url, stop: () => child.kill('SIGTERM') };
}

class Jar {
  constructor() { this.c = new Map(); }
  take(res) { for (const sc of res.headers.getSetCookie()) { const [kv] = sc.split(';'); const i = kv.indexOf('='); this.c.set(kv.slice(0, i).trim(), kv.slice(i + 1)); } }
  header() { return [...this.c].map(([k, v]) => `${k}=${v}`).join('; '); }
}

// The no-browser code flow of security-testing.md §4.3. Returns { code, verifier, iss, state }.
async function login(base, clientId, { sub = 'alice', method = 'S256', challenge } = {}) {
  const verifier = b64u(randomBytes(32));
  const state = b64u(randomBytes(8));
  const jar = new Jar();
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT,
    scope: 'openid offline_access api', state, resource: AUD,
    code_challenge: challenge ?? b64u(createHash('sha256').update(verifier).digest()),
    code_challenge_method: method,
  });
  let res = await fetch(`${base}/auth?${q}`, { redirect: 'manual' });
  jar.take(res);
  let loc = res.headers.get('location');
  for (let i = 0; i < 10 && loc && !loc.startsWith(REDIRECT); i += 1) {
    const url = new URL(loc, base);
    res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    if (res.status === 200 && url.pathname.startsWith('/interaction/')) {
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error('no login form');
      res = await fetch(new URL(action, base), {
        method: 'POST', redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login: sub, password: 'x' }),
      });
      jar.take(res);
    }
    loc = res.headers.get('location');
  }
  if (!loc?.startsWith(REDIRECT)) throw new Error(`no redirect to the client (last ${res.status} ${loc})`);
  const p = new URL(loc).searchParams;
  return { code: p.get('code'), error: p.get('error'), gotState: p.get('state'), state, iss: p.get('iss'), verifier };
}

async function token(base, clientId, form) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({ ...form, resource: AUD });
  if (clientId === 'pas-test') headers.authorization = `Basic ${Buffer.from('pas-test:pas-test-secret').toString('base64')}`;
  else body.set('client_id', clientId);
  const res = await fetch(`${base}/token`, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json().catch(() => null) };
}

const exchange = (base, clientId, l) => token(base, clientId, {
  grant_type: 'authorization_code', code: l.code, redirect_uri: REDIRECT, code_verifier: l.verifier,
});
const refresh = (base, clientId, rt) => token(base, clientId, { grant_type: 'refresh_token', refresh_token: rt });

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function main() {
  const server = process.env.OIDC_AS_URL ? { base: process.env.OIDC_AS_URL.replace(/\/$/, ''), stop() {} } : await startServer();
  const { base } = server;
  const jwks = jose.createRemoteJWKSet(new URL(`${base}/jwks`));
  const verify = (at) => jose.jwtVerify(at, jwks, { issuer: base, audience: AUD, typ: 'at+jwt', algorithms: ['ES256'] });
  const results = [];
  const test = async (name, fn) => {
    try { await fn(); results.push([name, true]); console.log(`ok   ${name}`); }
    catch (e) { results.push([name, false]); console.log(`FAIL ${name}: ${e.message}`); }
  };
  try {
    await test('discovery advertises S256 and the issuer', async () => {
      const d = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
      assert(d.issuer === base, `issuer ${d.issuer}`);
      assert(JSON.stringify(d.code_challenge_methods_supported) === '["S256"]', 'S256 only');
    });
    await test('PKCE code flow (confidential client) gives an at+jwt with sv', async () => {
      const l = await login(base, 'pas-test');
      assert(l.gotState === l.state && l.iss === base, 'state and iss echoed');
      const t = await exchange(base, 'pas-test', l);
      assert(t.status === 200, `exchange ${t.status} ${JSON.stringify(t.json)}`);
      const { payload, protectedHeader } = await verify(t.json.access_token);
      assert(protectedHeader.typ === 'at+jwt' && protectedHeader.alg === 'ES256', 'header');
      assert(payload.sv === 1 && payload.sub === 'alice' && payload.client_id === 'pas-test', JSON.stringify(payload));
      assert(typeof t.json.refresh_token === 'string', 'refresh token issued');
    });
    await test('refresh carries the bumped sv; rotation reuse kills the family', async () => {
      const l = await login(base, 'pas-test', { sub: 'bob' });
      const t = await exchange(base, 'pas-test', l);
      await fetch(`${base}/__test/sv?sub=bob&v=7`);
      const r1 = await refresh(base, 'pas-test', t.json.refresh_token);
      assert(r1.status === 200, `refresh ${r1.status}`);
      assert((await verify(r1.json.access_token)).payload.sv === 7, 'sv 7');
      assert(r1.json.refresh_token !== t.json.refresh_token, 'rotated');
      const reuse = await refresh(base, 'pas-test', t.json.refresh_token);
      assert(reuse.status === 400 && reuse.json?.error === 'invalid_grant', `reuse ${reuse.status}`);
      const after = await refresh(base, 'pas-test', r1.json.refresh_token);
      assert(after.status === 400 && after.json?.error === 'invalid_grant', `family revoked ${after.status}`);
    });
    await test('code replay and wrong verifier are invalid_grant', async () => {
      const l = await login(base, 'pas-test');
      assert((await exchange(base, 'pas-test', l)).status === 200, 'first exchange');
      const again = await exchange(base, 'pas-test', l);
      assert(again.status === 400 && again.json?.error === 'invalid_grant', `replay ${again.status}`);
      const l2 = await login(base, 'pas-test');
      const bad = await exchange(base, 'pas-test', { ...l2, verifier: b64u(randomBytes(32)) });
      assert(bad.status === 400 && bad.json?.error === 'invalid_grant', `verifier ${bad.status}`);
    });
    await test('plain PKCE is refused at the authorization endpoint', async () => {
      const l = await login(base, 'pas-test', { method: 'plain', challenge: b64u(randomBytes(32)) });
      assert(l.error === 'invalid_request', `error ${l.error}`);
    });
    await test('public client (no secret) code flow and refresh', async () => {
      const l = await login(base, 'pas-test-public', { sub: 'carol' });
      const t = await exchange(base, 'pas-test-public', l);
      assert(t.status === 200, `exchange ${t.status} ${JSON.stringify(t.json)}`);
      const r = await refresh(base, 'pas-test-public', t.json.refresh_token);
      assert(r.status === 200, `refresh ${r.status} ${JSON.stringify(r.json)}`);
      assert((await verify(r.json.access_token)).payload.client_id === 'pas-test-public', 'client_id');
    });
  } finally {
    server.stop();
  }
  const passed = results.filter(([, ok]) => ok).length;
  const failed = results.length - passed;
  console.log(`oidc-as smoke: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); console.log('oidc-as smoke: 0 passed, 1 failed'); process.exit(1); });
