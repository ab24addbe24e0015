import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../src/db/schema/index.js';
import { resetLinkFor } from '../../src/modules/accounts/reset-link.js';
import { startTestApp, type TestApp, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';
import { SseClient, sendLead } from '../helpers/notifications.js';
import { countUsers } from '../helpers/queries.js';
import { Browser, logIn, PASSWORD, signUp } from '../helpers/sessions.js';

// API.md §4 "Accounts and sessions", over real HTTP: the `jb_session` cookie authenticates every
// /v1 route like a write key of its user, unsafe methods need Origin + X-CSRF-Token, and a
// logout, a password change or a deactivation is seen by every server process on the next request.

// Short heartbeats: an open stream re-checks its session at each one.
const ctx = useTestApp({ RATE_LIMIT_IP_PER_MINUTE: '100000', SSE_HEARTBEAT_SECONDS: '0.2' });
const CSRF_FAILED = { error: 'CSRF check failed', code: 'forbidden' };
const ENDED = { error: 'Your session has ended: log in again', code: 'unauthorized' };
const db = () => ctx.t.database.db;
const base = () => ctx.t.api.baseUrl;

let second: TestApp;
beforeAll(async () => {
  second = await startTestApp(ctx.dbUrl, { RATE_LIMIT_IP_PER_MINUTE: '100000' });
});
afterAll(async () => {
  await second?.close();
});

const newUserBody = () => ({ email: `new-${uniq()}@example.test`, role: 'partnerships' });

/** A teammate of the browser's company, invited with `role` and logged in through the link. */
async function teammate(admin: Browser, role: 'admin' | 'partnerships' = 'partnerships') {
  const email = `mate-${uniq()}@example.test`;
  const inv = await admin.post('/v1/invitations', { body: { email, role } });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const token = String(inv.body.invite_url).split('/invite/')[1];
  const browser = new Browser(base());
  const accepted = await browser.post(`/v1/auth/invitations/${token}/accept`, {
    body: { password: PASSWORD },
  });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return { browser, user: accepted.body.user, email };
}

describe('sessions: sign-up gives a cookie that authenticates the API', () => {
  it('sets an HttpOnly, SameSite=Lax cookie whose token is stored only as its SHA-256', async () => {
    const { browser, session, body } = await signUp(base());
    expect(session).toEqual({
      user: expect.objectContaining({ email: body.email, role: 'admin', first_name: 'Ada' }),
      company: expect.objectContaining({ name: body.company_name, domain: body.email.split('@')[1] }),
      csrf_token: expect.any(String),
      expires_at: expect.any(String),
    });
    const idle = Date.parse(session.expires_at) - Date.now();
    expect(idle).toBeGreaterThan(13.9 * 24 * 3600 * 1000);
    expect(idle).toBeLessThanOrEqual(14 * 24 * 3600 * 1000);

    const cookie = browser.setCookies[0]!;
    expect(cookie).toMatch(/^jb_session=[A-Za-z0-9_-]{43};/);
    const attributes = cookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', `max-age=${14 * 24 * 3600}`]),
    );
    expect(attributes).not.toContain('secure'); // plain http here

    const rows = await db().select().from(sessions).where(eq(sessions.user_id, session.user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(browser.cookie!).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(browser.cookie);
  });

  it('GET /v1/users, /v1/me and /v1/auth/session work with the cookie alone, limited per user at 600/min', async () => {
    const { browser, session } = await signUp(base());
    const list = await browser.get('/v1/users');
    expect(list.status).toBe(200);
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([session.user.id]);
    expect(list.headers.get('x-ratelimit-limit')).toBe('600');
    expect(Number(list.headers.get('x-ratelimit-remaining'))).toBeLessThan(600);

    const me = await browser.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      role: 'admin',
      user: { id: session.user.id },
      company: { id: session.company.id },
      authentication: {
        type: 'session',
        session: { id: expect.any(Number), created_at: expect.any(String) },
      },
    });

    const current = await browser.get('/v1/auth/session');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({
      user: { id: session.user.id },
      company: { id: session.company.id },
    });
    // A fresh token each time (salted), and both are valid for this session.
    expect(current.body.csrf_token).not.toBe(session.csrf_token);
    const created = await browser.post('/v1/users', { body: newUserBody(), csrf: session.csrf_token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });

  it('GET /v1/auth/session without a cookie, or with an API key, is 401', async () => {
    expect((await new Browser(base()).get('/v1/auth/session')).status).toBe(401);
    const tenant = await makeTenant(db());
    const res = await ctx.t.api.get('/v1/auth/session', { key: tenant.writeKey });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/logged-in session/);
  });
});

describe('sessions: CSRF', () => {
  it('refuses an unsafe request without Origin, from another origin, or without the right token; nothing changes', async () => {
    const { browser, session } = await signUp(base());
    const other = await signUp(base());
    const before = await countUsers(db(), session.company.id);
    const refusals: [string, { origin?: string | null; csrf?: boolean | string }][] = [
      ['no Origin', { origin: null }],
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['Origin "null"', { origin: 'null' }],
      ['a look-alike Origin', { origin: `${base()}.evil.example` }],
      ['no token', { csrf: false }],
      ['a wrong token', { csrf: 'abc-def' }],
      ["another session's token", { csrf: other.session.csrf_token }],
    ];
    for (const [what, opts] of refusals) {
      for (const [method, path, body] of [
        ['POST', '/v1/users', newUserBody()],
        ['PATCH', `/v1/users/${session.user.id}`, { first_name: 'Mallory' }],
        ['PATCH', '/v1/company', { name: 'Hijacked' }],
        ['DELETE', `/v1/users/${session.user.id}`, undefined],
      ] as const) {
        const res = await browser.request(method, path, { ...opts, body });
        expect({ what, method, path, status: res.status, body: res.body }).toEqual({
          what,
          method,
          path,
          status: 403,
          body: CSRF_FAILED,
        });
      }
    }
    expect(await countUsers(db(), session.company.id)).toBe(before);
    const me = await browser.get('/v1/me');
    expect(me.body.user).toMatchObject({ first_name: 'Ada', disabled_at: null });
    expect(me.body.company.name).toBe(session.company.name);
  });

  it("accepts PUBLIC_URL's origin and the request's own origin", async () => {
    const { browser } = await signUp(base());
    // PUBLIC_URL defaults to http://HOST:PORT, here http://127.0.0.1:3000 (this test server listens elsewhere).
    expect(ctx.t.config.publicUrl).toBe('http://127.0.0.1:3000');
    for (const origin of ['http://127.0.0.1:3000', base()]) {
      const res = await browser.post('/v1/users', { body: newUserBody(), origin });
      expect(res.status, `${origin}: ${JSON.stringify(res.body)}`).toBe(201);
    }
  });

  it('API keys need neither Origin nor a token', async () => {
    const tenant = await makeTenant(db());
    const res = await ctx.t.api.post('/v1/users', {
      key: tenant.writeKey,
      body: newUserBody(),
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(res.status).toBe(201);
  });

  it('a cross-site form post with the cookie is refused before its body is read', async () => {
    const { browser, session } = await signUp(base());
    const before = await countUsers(db(), session.company.id);
    const form = await fetch(`${base()}/v1/users`, {
      method: 'POST',
      headers: {
        cookie: `jb_session=${browser.cookie}`,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'email=x%40evil.example',
    });
    expect(form.status).toBe(403);
    expect(await countUsers(db(), session.company.id)).toBe(before);
  });

  it('the Authorization header wins over the cookie', async () => {
    const { browser } = await signUp(base());
    const tenant = await makeTenant(db());
    const withKey = await browser.get('/v1/users', {
      headers: { authorization: `Bearer ${tenant.readKey}` },
    });
    expect(withKey.status).toBe(200);
    expect(withKey.body.data.map((u: { id: number }) => u.id)).toEqual([tenant.admin.id]);
    const bad = await browser.get('/v1/users', { headers: { authorization: 'Bearer jb_api_nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'Invalid API key', code: 'unauthorized' });
  });
});

describe('sessions: every route answers a session as it answers a write key of its user', () => {
  it("a partnerships user's session: 403 exactly on admin routes; every write needs the CSRF token", async () => {
    const admin = await signUp(base());
    const { browser } = await teammate(admin.browser, 'partnerships');
    const routes = ctx.t.app.routeTable.routes.filter(
      (r) => r.url.startsWith('/v1/') && !r.public && r.method !== 'HEAD' && r.url !== '/v1/openapi.json',
    );
    expect(routes.length).toBeGreaterThan(90);
    for (const r of routes) {
      // Objects that do not exist: the role (and CSRF) are decided before any lookup.
      const path = r.url.replace(/:\w+/g, '2147483647');
      if (r.url === '/v1/auth/logout') continue; // would end the session; tested on its own
      const abort = new AbortController();
      const headers: Record<string, string> = { cookie: `jb_session=${browser.cookie}`, origin: base() };
      if (r.method !== 'GET') headers['content-type'] = 'application/json';
      const send = (csrf: boolean) =>
        fetch(base() + path, {
          method: r.method,
          headers: csrf ? { ...headers, 'x-csrf-token': browser.csrfToken! } : headers,
          body: r.method === 'GET' ? undefined : '{}',
          signal: abort.signal,
        });
      const res = await send(true);
      const streaming = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
      if (streaming) abort.abort();
      const body = streaming ? null : await res.json().catch(() => null);
      const what = `${r.method} ${r.url} → ${res.status} ${JSON.stringify(body)}`;
      if (r.role === 'admin') {
        expect(res.status, what).toBe(403);
        expect(body, what).toEqual({ error: 'Admin role required for this operation', code: 'forbidden' });
      } else {
        expect(res.status, what).not.toBe(403);
        expect(res.status, what).not.toBe(401);
        expect(res.status, what).toBeLessThan(500);
      }
      if (r.method !== 'GET' && r.role === 'member') {
        const refused = await send(false);
        expect({ route: `${r.method} ${r.url}`, status: refused.status, body: await refused.json() }).toEqual(
          {
            route: `${r.method} ${r.url}`,
            status: 403,
            body: CSRF_FAILED,
          },
        );
      }
    }
  });

  it('Idempotency-Key is scoped to the session', async () => {
    const { browser } = await signUp(base());
    const body = newUserBody();
    const headers = { 'idempotency-key': 'same-key' };
    const first = await browser.post('/v1/users', { body, headers });
    const again = await browser.post('/v1/users', { body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // Another session with the same key is another scope.
    const other = await signUp(base());
    const theirs = await other.browser.post('/v1/users', { body: newUserBody(), headers });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('sessions: how they end, on every process', () => {
  it('logout ends the session on both servers and clears the cookie; without CSRF it is refused', async () => {
    const { browser } = await signUp(base());
    const elsewhere = browser.on(second.api.baseUrl);
    expect((await elsewhere.get('/v1/users')).status).toBe(200);

    const refused = await browser.post('/v1/auth/logout', { csrf: false });
    expect(refused.status).toBe(403);
    expect((await elsewhere.get('/v1/users')).status).toBe(200);

    const cookie = browser.cookie;
    const out = await elsewhere.post('/v1/auth/logout');
    expect(out.status).toBe(204);
    expect(elsewhere.setCookies.at(-1)).toMatch(/^jb_session=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)/i);
    const after = await browser.get('/v1/users'); // the first server, the old cookie
    expect(browser.cookie).toBeUndefined(); // the 401 cleared it too
    expect(after.status).toBe(401);
    expect(after.body).toEqual(ENDED);
    const replay = await fetch(`${base()}/v1/users`, { headers: { cookie: `jb_session=${cookie}` } });
    expect(replay.status).toBe(401);
  });

  it('deactivating a user ends all its sessions on every process, for good', async () => {
    const admin = await signUp(base());
    const mate = await teammate(admin.browser);
    const otherBrowser = await logIn(second.api.baseUrl, mate.email);
    expect((await mate.browser.get('/v1/users')).status).toBe(200);
    expect((await otherBrowser.get('/v1/users')).status).toBe(200);
    const cookies = [mate.browser.cookie, otherBrowser.cookie];

    const off = await admin.browser.delete(`/v1/users/${mate.user.id}`);
    expect(off.status).toBe(204);
    expect((await otherBrowser.get('/v1/users')).body).toEqual(ENDED);
    expect((await mate.browser.on(second.api.baseUrl).get('/v1/users')).status).toBe(401);
    // Reactivated, the user logs in again; the old sessions stay ended.
    const on = await admin.browser.patch(`/v1/users/${mate.user.id}`, { body: { disabled_at: null } });
    expect(on.status).toBe(200);
    for (const cookie of cookies) {
      for (const server of [base(), second.api.baseUrl]) {
        const stale = await fetch(`${server}/v1/users`, { headers: { cookie: `jb_session=${cookie}` } });
        expect(stale.status).toBe(401);
      }
    }
    expect((await logIn(base(), mate.email).then((b) => b.get('/v1/users'))).status).toBe(200);
  });

  it("PATCH disabled_at ends the user's sessions too", async () => {
    const admin = await signUp(base());
    const mate = await teammate(admin.browser);
    const res = await admin.browser.patch(`/v1/users/${mate.user.id}`, {
      body: { disabled_at: new Date().toISOString() },
    });
    expect(res.status).toBe(200);
    expect((await mate.browser.on(second.api.baseUrl).get('/v1/me')).status).toBe(401);
    const open = await db()
      .select()
      .from(sessions)
      .where(sql`${sessions.user_id} = ${mate.user.id} AND ${sessions.revoked_at} IS NULL`);
    expect(open).toEqual([]);
  });

  it("a password change ends the user's other sessions (on every process), not this one", async () => {
    const { browser, body } = await signUp(base());
    const other = await logIn(second.api.baseUrl, body.email);
    const next = 'an even better passphrase 2';
    const res = await browser.post('/v1/auth/password', {
      body: { current_password: PASSWORD, new_password: next },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect((await other.get('/v1/users')).status).toBe(401);
    expect((await browser.on(second.api.baseUrl).get('/v1/users')).status).toBe(200);
    const old = await new Browser(base()).post('/v1/auth/login', {
      body: { email: body.email, password: PASSWORD },
    });
    expect(old.status).toBe(401);
    await logIn(second.api.baseUrl, body.email, next);
  });

  it('a session idle for 14 days is over; use pushes the deadline back (at most once a minute)', async () => {
    const { browser, session } = await signUp(base());
    const [row] = await db().select().from(sessions).where(eq(sessions.user_id, session.user.id));
    // As if last used 2 minutes ago, with a day left: the next request extends it to 14 days.
    await db()
      .update(sessions)
      .set({ last_seen_at: sql`now() - interval '2 minutes'`, expires_at: sql`now() + interval '1 day'` })
      .where(eq(sessions.id, row!.id));
    expect((await browser.get('/v1/users')).status).toBe(200);
    const [touched] = await db().select().from(sessions).where(eq(sessions.id, row!.id));
    expect(touched!.expires_at.getTime() - Date.now()).toBeGreaterThan(13.9 * 24 * 3600 * 1000);
    expect(Date.now() - touched!.last_seen_at.getTime()).toBeLessThan(60_000);

    // Idle 15 days: refused.
    await db()
      .update(sessions)
      .set({
        last_seen_at: sql`${sessions.last_seen_at} - interval '15 days'`,
        expires_at: sql`${sessions.expires_at} - interval '15 days'`,
      })
      .where(eq(sessions.id, row!.id));
    const res = await browser.get('/v1/users');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(ENDED);
  });

  it('a made-up, malformed or empty cookie is 401', async () => {
    for (const value of ['x', 'A'.repeat(43), '']) {
      const res = await fetch(`${base()}/v1/users`, { headers: { cookie: `jb_session=${value}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(ENDED);
    }
  });
});

describe('sessions: the notification stream (EventSource) with the cookie', () => {
  it('streams the user’s notifications to a client that sends only the cookie, and ends at logout', async () => {
    const { me, partner } = await demo(db());
    // The demo's users have no password: the operator's reset link activates one.
    const [user] = await db().select().from(users).where(eq(users.id, me.users[0]!.id));
    const link = await resetLinkFor(db(), ctx.t.config, me.id, user!.email);
    const browser = new Browser(base());
    const done = await browser.post('/v1/auth/password-reset/complete', {
      body: { token: link.url.split('/reset-password/')[1], password: PASSWORD },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const stream = await SseClient.open(`${base()}/v1/notifications/stream`, '', {
      cookie: `jb_session=${browser.cookie}`,
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const lead = await sendLead(ctx.t.api, partner.keys.write, partner.partners[0]!.partnership_id, [
        user!.id,
      ]);
      const event = await stream.waitFor((e) => e.event === 'notification', 10_000, 'the lead notification');
      expect(JSON.parse(event.data)).toMatchObject({ type: 'lead_received', user_id: user!.id });
      expect(lead.partnershipLeadId).not.toBeNull();
      // Logging out (here, on the other server) ends the open stream at its next heartbeat.
      expect(stream.done).toBe(false);
      expect((await browser.on(second.api.baseUrl).post('/v1/auth/logout')).status).toBe(204);
      await stream.ended;
      expect(stream.done).toBe(true);
    } finally {
      stream.close();
    }
  });
});

describe('sessions: the Secure attribute', () => {
  it('is set when PUBLIC_URL is https, or the request came over HTTPS through a trusted proxy', async () => {
    const https = await startTestApp(ctx.dbUrl, { PUBLIC_URL: 'https://journeybee.example.com' });
    const proxied = await startTestApp(ctx.dbUrl, { TRUST_PROXY: 'true' });
    try {
      const a = await signUp(https.api.baseUrl);
      expect(a.browser.setCookies[0]).toMatch(/;\s*Secure/i);
      // PUBLIC_URL's origin is accepted for CSRF.
      const made = await a.browser.post('/v1/users', {
        body: newUserBody(),
        origin: 'https://journeybee.example.com',
      });
      expect(made.status).toBe(201);

      const viaTls = new Browser(proxied.api.baseUrl);
      const res = await viaTls.post('/v1/auth/signup', {
        body: { company_name: 'Tls', first_name: 'T', email: `t@t${uniq()}.test`, password: PASSWORD },
        headers: { 'x-forwarded-proto': 'https' },
        origin: null,
      });
      expect(res.status).toBe(201);
      expect(viaTls.setCookies[0]).toMatch(/;\s*Secure/i);
      const plain = await signUp(proxied.api.baseUrl);
      expect(plain.browser.setCookies[0]).not.toMatch(/Secure/i);
    } finally {
      await https.close();
      await proxied.close();
    }
  });
});
