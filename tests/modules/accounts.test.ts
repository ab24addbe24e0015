import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companies, passwordResets, sessions, users } from '../../src/db/schema/index.js';
import { resetLinkFor } from '../../src/modules/accounts/reset-link.js';
import { startTestApp, type TestApp, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant, makeUser } from '../helpers/factories.js';
import { Browser, logIn, PASSWORD, signUp, signupBody } from '../helpers/sessions.js';

// API.md §4 accounts: sign-up, log-in (with its limits), password rules, change and reset.

const ctx = useTestApp({ RATE_LIMIT_IP_PER_MINUTE: '100000', TRUST_PROXY: 'true' });
const db = () => ctx.t.database.db;
const base = () => ctx.t.api.baseUrl;
const INVALID = { error: 'Invalid email or password', code: 'unauthorized' };

/** Each test's requests come from their own client IP (the app trusts X-Forwarded-For here). */
const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

async function login(body: Record<string, unknown>, ip = freshIp()) {
  return new Browser(base()).post('/v1/auth/login', { body, headers: fromIp(ip), origin: null });
}

const companyCount = async () => {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(companies);
  return row!.n;
};

describe('accounts: sign-up', () => {
  it('refuses weak passwords with a 400 naming `password`, and creates nothing', async () => {
    const before = await companyCount();
    const cases: [string, RegExp][] = [
      ['short-pwd', /at least 10 characters/],
      ['x'.repeat(201), /at most 200 characters/],
      ['password123', /too common/],
      ['QwertyUiop', /too common/], // the list is compared case-insensitively
      ['1234567890', /too common/],
    ];
    for (const [password, message] of cases) {
      const res = await new Browser(base()).post('/v1/auth/signup', { body: signupBody({ password }) });
      expect(res.status, password).toBe(400);
      expect(res.body.code).toBe('bad_request');
      expect(res.body.details).toEqual([{ path: 'password', message: expect.stringMatching(message) }]);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const missing = await new Browser(base()).post('/v1/auth/signup', { body: { email: 'a@b.test' } });
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'company_name',
      'first_name',
      'password',
    ]);
    expect(await companyCount()).toBe(before);
  });

  it("names the company by the email's domain, unless it is free mail or taken", async () => {
    const domain = `own${uniq()}.test`;
    const first = await signUp(base(), { email: `a@${domain}` });
    expect(first.session.company.domain).toBe(domain);
    const taken = await signUp(base(), { email: `b@${domain}` });
    expect(taken.session.company.domain).toBeNull();
    expect(taken.session.company.id).not.toBe(first.session.company.id);
    const gmail = await signUp(base(), { email: `someone.${uniq()}@gmail.com` });
    expect(gmail.session.company.domain).toBeNull();
    const [user] = await db().select().from(users).where(eq(users.id, first.session.user.id));
    expect(user!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(user!.role).toBe('admin');
  });

  it('a public route refuses a foreign Origin (log-in CSRF) but serves clients that send none', async () => {
    const body = signupBody();
    const foreign = await new Browser(base(), 'https://evil.example').post('/v1/auth/signup', { body });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ error: 'CSRF check failed', code: 'forbidden' });
    const curl = await new Browser(base()).post('/v1/auth/signup', { body, origin: null });
    expect(curl.status).toBe(201);
  });

  it('JOURNEYBEE_SIGNUP=invite: 403 "Sign-up is by invitation only", nothing created', async () => {
    const closed = await startTestApp(ctx.dbUrl, { JOURNEYBEE_SIGNUP: 'invite' });
    try {
      const before = await companyCount();
      const res = await new Browser(closed.api.baseUrl).post('/v1/auth/signup', { body: signupBody() });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'Sign-up is by invitation only', code: 'forbidden' });
      expect(await companyCount()).toBe(before);
      // Invitations still let people in there.
      const admin = await logIn(closed.api.baseUrl, (await signUp(base())).body.email);
      const inv = await admin.post('/v1/invitations', {
        body: { email: `i${uniq()}@x.test`, role: 'admin' },
      });
      const token = inv.body.invite_url.split('/invite/')[1];
      const joined = await new Browser(closed.api.baseUrl).post(`/v1/auth/invitations/${token}/accept`, {
        body: { password: PASSWORD },
      });
      expect(joined.status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});

describe('accounts: log-in', () => {
  it('logs in with the right password; wrong password, unknown email, no password or deactivated: the same 401', async () => {
    const { body, session } = await signUp(base());
    const browser = await logIn(base(), body.email.toUpperCase());
    expect((await browser.get('/v1/me')).body.user.id).toBe(session.user.id);

    expect((await login({ email: body.email, password: 'wrong password!' })).body).toEqual(INVALID);
    expect((await login({ email: `nobody-${uniq()}@x.test`, password: PASSWORD })).body).toEqual(INVALID);
    // A user made through the API has no password until it is activated.
    const apiUser = await makeUser(db(), session.company.id);
    expect((await login({ email: apiUser.email, password: PASSWORD })).status).toBe(401);
    // Deactivated.
    const admin = await logIn(base(), body.email);
    const mateEmail = `mate-${uniq()}@x.test`;
    const inv = await admin.post('/v1/invitations', { body: { email: mateEmail, role: 'admin' } });
    const accepted = await new Browser(base()).post(
      `/v1/auth/invitations/${inv.body.invite_url.split('/invite/')[1]}/accept`,
      { body: { password: PASSWORD } },
    );
    expect((await admin.delete(`/v1/users/${accepted.body.user.id}`)).status).toBe(204);
    const off = await login({ email: mateEmail, password: PASSWORD });
    expect({ status: off.status, body: off.body }).toEqual({ status: 401, body: INVALID });
    expect(off.headers.get('set-cookie')).toBeNull();
  });

  it('an email with accounts in several companies: 409 listing them, then company_id chooses', async () => {
    const email = `multi-${uniq()}@gmail.com`;
    const a = await signUp(base(), { email, company_name: 'First Co' });
    const b = await signUp(base(), { email, company_name: 'Second Co' });
    const res = await login({ email, password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'This email has accounts in several companies: choose one',
      code: 'conflict',
      companies: [
        { id: a.session.company.id, name: 'First Co' },
        { id: b.session.company.id, name: 'Second Co' },
      ],
    });
    const chosen = await login({ email, password: PASSWORD, company_id: b.session.company.id });
    expect(chosen.status).toBe(200);
    expect(chosen.body.company.id).toBe(b.session.company.id);
    // A password valid in one company only logs in there, without asking.
    const c = await signUp(base(), { email, company_name: 'Third Co', password: 'a different passphrase' });
    const only = await login({ email, password: 'a different passphrase' });
    expect(only.status).toBe(200);
    expect(only.body.company.id).toBe(c.session.company.id);
  });

  it('per account: after 10 failures in 15 minutes, 429 with Retry-After, even with the right password', async () => {
    const { body } = await signUp(base());
    const other = await signUp(base());
    for (let i = 0; i < 10; i++) {
      // From different addresses: the account's budget, not the IP's, is what runs out.
      const res = await login({ email: body.email, password: `wrong guess ${i}` });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const blocked = await login({ email: body.email.toUpperCase(), password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual({
      error: expect.stringMatching(/^Too many failed log-in attempts: try again in \d+ minutes?$/),
      code: 'rate_limited',
    });
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(blocked.headers.get('set-cookie')).toBeNull();
    // Another account is not affected.
    expect((await login({ email: other.body.email, password: PASSWORD })).status).toBe(200);
  });

  it('a success clears the account count', async () => {
    const { body } = await signUp(base());
    for (let i = 0; i < 9; i++)
      expect((await login({ email: body.email, password: 'nope nope' })).status).toBe(401);
    expect((await login({ email: body.email, password: PASSWORD })).status).toBe(200);
    for (let i = 0; i < 9; i++)
      expect((await login({ email: body.email, password: 'nope nope' })).status).toBe(401);
    expect((await login({ email: body.email, password: PASSWORD })).status).toBe(200);
  });

  it('per IP: after 100 failures in 15 minutes, 429 for any account from that address only', async () => {
    const { body } = await signUp(base());
    const ip = '203.0.113.7';
    for (let i = 0; i < 100; i++) {
      const res = await login({ email: `guess-${i}-${uniq()}@x.test`, password: 'whatever123' }, ip);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const blocked = await login({ email: body.email, password: PASSWORD }, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login({ email: body.email, password: PASSWORD }, '203.0.113.8')).status).toBe(200);
  });
});

describe('accounts: password change', () => {
  it('needs the right current password and an allowed new one; API keys cannot use it', async () => {
    const { browser } = await signUp(base());
    const wrong = await browser.post('/v1/auth/password', {
      body: { current_password: 'not it at all', new_password: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({
      error: 'The current password is wrong',
      code: 'bad_request',
      details: [{ path: 'current_password', message: 'is wrong' }],
    });
    const common = await browser.post('/v1/auth/password', {
      body: { current_password: PASSWORD, new_password: 'password123' },
    });
    expect(common.status).toBe(400);
    expect(common.body.details).toEqual([
      { path: 'new_password', message: expect.stringMatching(/too common/) },
    ]);
    const tenant = await makeTenant(db());
    const byKey = await ctx.t.api.post('/v1/auth/password', {
      key: tenant.writeKey,
      body: { current_password: PASSWORD, new_password: 'a brand new passphrase' },
    });
    expect(byKey.status).toBe(401);
  });
});

describe('accounts: password reset', () => {
  it('POST /v1/auth/password-reset is 202 for any email, and without SMTP sends (and stores) nothing', async () => {
    const { body, session } = await signUp(base());
    for (const email of [body.email, `nobody-${uniq()}@x.test`]) {
      const res = await new Browser(base()).post('/v1/auth/password-reset', { body: { email } });
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
    }
    const rows = await db().select().from(passwordResets).where(eq(passwordResets.user_id, session.user.id));
    expect(rows).toEqual([]);
  });

  it("the operator's link sets a new password once, ends every session and logs in; expired links fail", async () => {
    const { body, session, browser } = await signUp(base());
    const link = await resetLinkFor(db(), ctx.t.config, session.company.id, body.email);
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/reset-password\/[A-Za-z0-9_-]{43}$/);
    const token = link.url.split('/reset-password/')[1]!;

    const weak = await new Browser(base()).post('/v1/auth/password-reset/complete', {
      body: { token, password: 'qwertyuiop' },
    });
    expect(weak.status).toBe(400);
    const fresh = new Browser(base());
    const done = await fresh.post('/v1/auth/password-reset/complete', {
      body: { token, password: 'my new passphrase' },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.user.id).toBe(session.user.id);
    expect((await fresh.get('/v1/users')).status).toBe(200);
    expect((await browser.get('/v1/users')).status).toBe(401); // the older session ended
    const again = await new Browser(base()).post('/v1/auth/password-reset/complete', {
      body: { token, password: 'another passphrase' },
    });
    expect(again.status).toBe(404);
    expect((await login({ email: body.email, password: PASSWORD })).status).toBe(401);
    expect((await login({ email: body.email, password: 'my new passphrase' })).status).toBe(200);

    const late = await resetLinkFor(db(), ctx.t.config, session.company.id, body.email);
    await db()
      .update(passwordResets)
      .set({ created_at: sql`now() - interval '2 hours'`, expires_at: sql`now() - interval '1 hour'` })
      .where(eq(passwordResets.user_id, session.user.id));
    const expired = await new Browser(base()).post('/v1/auth/password-reset/complete', {
      body: { token: late.url.split('/reset-password/')[1], password: 'late passphrase 1' },
    });
    expect(expired.status).toBe(404);
    expect(expired.body.error).toMatch(/invalid, used or expired/);
    const open = await db()
      .select()
      .from(sessions)
      .where(sql`${sessions.user_id} = ${session.user.id} AND ${sessions.revoked_at} IS NULL`);
    expect(open).toHaveLength(2); // the reset's own session and the log-in after it
  });

  it('a reset link also activates a user made without a password', async () => {
    const tenant = await makeTenant(db());
    const link = await resetLinkFor(db(), ctx.t.config, tenant.company.id, tenant.admin.email);
    const res = await new Browser(base()).post('/v1/auth/password-reset/complete', {
      body: { token: link.url.split('/reset-password/')[1], password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: tenant.admin.id, role: 'admin' });
    await expect(resetLinkFor(db(), ctx.t.config, tenant.company.id, `no-${uniq()}@x.test`)).rejects.toThrow(
      /No active user/,
    );
  });
});

// Kept last: an app with its own settings on the same database.
describe('accounts: settings', () => {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(ctx.dbUrl, { RATE_LIMIT_SESSION_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('RATE_LIMIT_SESSION_PER_MINUTE limits a session per user', async () => {
    const { body } = await signUp(app!.api.baseUrl);
    const a = await logIn(app!.api.baseUrl, body.email);
    const b = await logIn(app!.api.baseUrl, body.email);
    expect((await a.get('/v1/me')).headers.get('x-ratelimit-limit')).toBe('3');
    expect((await b.get('/v1/me')).status).toBe(200);
    expect((await a.get('/v1/me')).status).toBe(200);
    // Two browsers of one user share the budget.
    const over = await b.get('/v1/me');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error: 'Rate limit exceeded: 3 requests per minute', code: 'rate_limited' });
  });
});
