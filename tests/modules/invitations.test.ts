import { createServer } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations, users } from '../../src/db/schema/index.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { type CustomTestApp, startCustomApp } from '../helpers/custom-app.js';
import { makeTenant, makeUser } from '../helpers/factories.js';
import { relayed } from '../helpers/notifications.js';
import { newDomain } from '../helpers/partners.js';
import { Browser, PASSWORD, signUp } from '../helpers/sessions.js';
import { linkToken, TestSmtp } from '../helpers/smtp.js';

// API.md §4 invitations: teammates (POST /v1/invitations) and partner contacts (POST /v1/partners),
// one-time links valid 7 days, stored hashed, e-mailed with SMTP_URL or shown once without.

const ctx = useTestApp({ RATE_LIMIT_IP_PER_MINUTE: '100000' });
const db = () => ctx.t.database.db;
const base = () => ctx.t.api.baseUrl;
const INVALID = { error: 'This invitation link is invalid, used, revoked or expired', code: 'not_found' };
const tokenOf = (url: string) => url.split('/invite/')[1]!;

async function invite(admin: Browser, email = `inv-${uniq()}@example.test`, role = 'partnerships') {
  const res = await admin.post('/v1/invitations', { body: { email, role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { invitation: res.body, token: tokenOf(res.body.invite_url), email };
}

const accept = (
  token: string,
  body: Record<string, unknown> = { password: PASSWORD },
  browser = new Browser(base()),
) => browser.post(`/v1/auth/invitations/${token}/accept`, { body });

describe('invitations: teammates', () => {
  it('an admin invites: the link is in the answer once, only its hash is stored', async () => {
    const { browser, session } = await signUp(base());
    const email = `Mate-${uniq()}@Example.test`;
    const res = await browser.post('/v1/invitations', { body: { email, role: 'admin' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      uuid: expect.any(String),
      email,
      role: 'admin',
      kind: 'team',
      invited_by: { id: session.user.id, email: session.user.email },
      expires_at: expect.any(String),
      accepted_at: null,
      revoked_at: null,
      created_at: expect.any(String),
      invite_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:3000\/invite\/[A-Za-z0-9_-]{43}$/),
    });
    const days = (Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)) / 86_400_000;
    expect(days).toBeCloseTo(7, 2);
    const token = tokenOf(res.body.invite_url);
    const rows = await db().select().from(invitations).where(eq(invitations.id, res.body.id));
    expect(JSON.stringify(rows)).not.toContain(token);

    const list = await browser.get('/v1/invitations');
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ 'record-count': 1, 'page-count': 1 });
    const { invite_url: _shownOnce, ...listed } = res.body;
    expect(list.body.data).toEqual([listed]);

    const preview = await new Browser(base()).get(`/v1/auth/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      email,
      company: { id: session.company.id, name: session.company.name },
      role: 'admin',
      kind: 'team',
      expires_at: res.body.expires_at,
    });
  });

  it('accepting sets the password, applies the role and names, logs in, and works once', async () => {
    const admin = await signUp(base());
    const { token, email, invitation } = await invite(admin.browser, undefined, 'partnerships');
    const browser = new Browser(base());
    const res = await accept(token, { password: PASSWORD, first_name: 'Pat', last_name: 'Partner' }, browser);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user).toMatchObject({
      email,
      role: 'partnerships',
      first_name: 'Pat',
      last_name: 'Partner',
    });
    expect(res.body.company.id).toBe(admin.session.company.id);
    expect(browser.cookie).toBeDefined();
    // The role applies: a partnerships member reads users but may not manage webhooks.
    expect((await browser.get('/v1/users')).status).toBe(200);
    expect((await browser.get('/v1/webhooks')).status).toBe(403);

    expect((await accept(token)).body).toEqual(INVALID);
    expect((await new Browser(base()).get(`/v1/auth/invitations/${token}`)).body).toEqual(INVALID);
    const accepted = await admin.browser.get('/v1/invitations?status=accepted');
    expect(accepted.body.data).toEqual([
      expect.objectContaining({ id: invitation.id, accepted_at: expect.any(String) }),
    ]);
    expect((await admin.browser.get('/v1/invitations')).body.data).toEqual([]);
    // Revoking an accepted invitation makes no sense.
    expect((await admin.browser.delete(`/v1/invitations/${invitation.id}`)).status).toBe(409);
  });

  it('an admin role from the invitation makes an admin', async () => {
    const admin = await signUp(base());
    const { token } = await invite(admin.browser, undefined, 'admin');
    const browser = new Browser(base());
    expect((await accept(token, undefined, browser)).body.user.role).toBe('admin');
    expect((await browser.get('/v1/webhooks')).status).toBe(200);
  });

  it('a weak password is a 400 and leaves the link usable', async () => {
    const admin = await signUp(base());
    const { token } = await invite(admin.browser);
    const weak = await accept(token, { password: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.body.details).toEqual([{ path: 'password', message: expect.stringMatching(/too common/) }]);
    expect((await accept(token)).status).toBe(200);
  });

  it('expired, revoked and replaced links are refused; revoking twice is fine', async () => {
    const admin = await signUp(base());
    const expired = await invite(admin.browser);
    await db()
      .update(invitations)
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where(eq(invitations.id, expired.invitation.id));
    expect((await new Browser(base()).get(`/v1/auth/invitations/${expired.token}`)).status).toBe(404);
    expect((await accept(expired.token)).body).toEqual(INVALID);
    const listed = await admin.browser.get('/v1/invitations?status=expired');
    expect(listed.body.data.map((i: { id: number }) => i.id)).toEqual([expired.invitation.id]);

    const revoked = await invite(admin.browser);
    expect((await admin.browser.delete(`/v1/invitations/${revoked.invitation.id}`)).status).toBe(204);
    expect((await admin.browser.delete(`/v1/invitations/${revoked.invitation.id}`)).status).toBe(204);
    expect((await accept(revoked.token)).body).toEqual(INVALID);
    const gone = await admin.browser.get('/v1/invitations?status=revoked');
    expect(gone.body.data).toEqual([
      expect.objectContaining({ id: revoked.invitation.id, revoked_at: expect.any(String) }),
    ]);

    // A new invitation of the same email replaces the pending one.
    const email = `again-${uniq()}@example.test`;
    const first = await invite(admin.browser, email);
    const second = await invite(admin.browser, email.toUpperCase());
    expect((await accept(first.token)).status).toBe(404);
    expect((await accept(second.token)).status).toBe(200);

    // Another company's invitation is 404, never revoked.
    const outsider = await signUp(base());
    const theirs = await invite(outsider.browser);
    expect((await admin.browser.delete(`/v1/invitations/${theirs.invitation.id}`)).status).toBe(404);
    expect((await accept(theirs.token)).status).toBe(200);
  });

  it('an active member cannot be invited (409); a user without a password is activated in place', async () => {
    const admin = await signUp(base());
    const taken = await admin.browser.post('/v1/invitations', {
      body: { email: admin.body.email.toUpperCase(), role: 'admin' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatch(/already has an active account/);

    const apiUser = await makeUser(db(), admin.session.company.id, { role: 'partnerships' });
    const { token } = await invite(admin.browser, apiUser.email, 'admin');
    const res = await accept(token);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: apiUser.id, role: 'admin' });
    const rows = await db()
      .select()
      .from(users)
      .where(
        sql`${users.company_id} = ${admin.session.company.id} AND lower(${users.email}) = lower(${apiUser.email})`,
      );
    expect(rows).toHaveLength(1);
  });

  it('validates the body; bad tokens are 404', async () => {
    const admin = await signUp(base());
    const bad = await admin.browser.post('/v1/invitations', { body: { email: 'nope', role: 'owner' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'role']);
    for (const token of ['short', 'A'.repeat(43), `${'A'.repeat(42)}!`]) {
      expect(
        (await new Browser(base()).get(`/v1/auth/invitations/${encodeURIComponent(token)}`)).status,
      ).toBe(404);
    }
    const tenant = await makeTenant(db());
    const byKey = await ctx.t.api.post('/v1/invitations', {
      key: tenant.writeKey,
      body: { email: `k-${uniq()}@example.test`, role: 'partnerships' },
    });
    expect(byKey.status).toBe(201); // an admin's key may invite too
    expect(byKey.body.invited_by).toEqual({ id: tenant.admin.id, email: tenant.admin.email });
  });
});

describe('invitations: partners, end to end', () => {
  it('invite partner → the contact sets a password → sees the pending partnership → accepts it', async () => {
    const a = await signUp(base(), { company_name: 'Inviter Inc' });
    const domain = newDomain();
    const created = await a.browser.post('/v1/partners', {
      body: {
        name: 'Partner Ltd',
        partnerType: 'referral',
        emails: [
          { email: `ann@${domain}`, firstName: 'Ann' },
          { email: `bob@${domain}`, firstName: 'Bob' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.invitations).toEqual([
      { email: `ann@${domain}`, invite_url: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{43}$/) },
      { email: `bob@${domain}`, invite_url: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{43}$/) },
    ]);
    const [annLink, bobLink] = created.body.invitations.map((i: { invite_url: string }) =>
      tokenOf(i.invite_url),
    );

    const preview = await new Browser(base()).get(`/v1/auth/invitations/${annLink}`);
    expect(preview.body).toEqual({
      email: `ann@${domain}`,
      company: { id: created.body.partner.id, name: 'Partner Ltd' },
      role: 'admin',
      kind: 'partner',
      expires_at: expect.any(String),
      partner_company: { id: a.session.company.id, name: 'Inviter Inc' },
    });

    const ann = new Browser(base());
    const joined = await accept(annLink, { password: PASSWORD }, ann);
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.user).toMatchObject({ email: `ann@${domain}`, role: 'admin', first_name: 'Ann' });
    expect(joined.body.company.id).toBe(created.body.partner.id);

    const mine = await ann.get('/v1/partners');
    expect(mine.status).toBe(200);
    expect(mine.body.data).toHaveLength(1);
    const side = mine.body.data[0];
    expect(side).toMatchObject({
      direction: 'received',
      partnership: { status: 'pending' },
      partner: { id: a.session.company.id, name: 'Inviter Inc' },
    });
    const accepted = await ann.post(`/v1/partnerships/${side.id}/accept`);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.partnership.status).toBe('accepted');

    const seen = await a.browser.get(`/v1/partners/${created.body.id}`);
    expect(seen.body.partnership.status).toBe('accepted');
    await relayed(ctx.t.database.db);
    const bell = await a.browser.get('/v1/notifications');
    expect(bell.body.data.map((n: { type: string }) => n.type)).toContain('partnership_accepted');

    // The inviter sends a lead to the partner; the partner's admin is told.
    const lead = await a.browser.post('/v1/leads', {
      body: {
        company_name: 'Initech',
        associationType: 'referral',
        partnershipLead: { partnership_id: created.body.partnership_id, sendToPartner: true },
      },
    });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    await relayed(ctx.t.database.db);
    const theirs = await ann.get('/v1/notifications');
    expect(theirs.body.data.map((n: { type: string }) => n.type)).toContain('lead_received');

    // The second contact joins as a partnerships member.
    const bob = await accept(bobLink);
    expect(bob.body.user).toMatchObject({ email: `bob@${domain}`, role: 'partnerships' });
    // The partner's own invitations list shows both, accepted, with no inviter of theirs.
    const list = await ann.get('/v1/invitations?status=all');
    expect(
      list.body.data.map((i: { kind: string; accepted_at: string | null; invited_by: unknown }) => [
        i.kind,
        Boolean(i.accepted_at),
        i.invited_by,
      ]),
    ).toEqual([
      ['partner', true, null],
      ['partner', true, null],
    ]);
  });

  it('an inactive partnership, or an existing partner company, invites nobody', async () => {
    const a = await signUp(base());
    const inactive = await a.browser.post('/v1/partners', {
      body: {
        name: 'Quiet',
        partnerType: 'referral',
        inactive: true,
        emails: [{ email: `q@${newDomain()}` }],
      },
    });
    expect(inactive.status).toBe(201);
    expect(inactive.body.invitations).toEqual([]);
    const existing = await signUp(base());
    const linked = await a.browser.post('/v1/partners', {
      body: {
        name: 'Known',
        partnerType: 'referral',
        emails: [{ email: `x@${existing.session.company.domain}` }],
      },
    });
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    expect(linked.body.invitations).toEqual([]);
  });
});

describe('invitations: with SMTP_URL, e-mailed and never logged', () => {
  let smtp: TestSmtp;
  let app: CustomTestApp;
  beforeAll(async () => {
    smtp = new TestSmtp();
    const url = await smtp.start();
    app = await startCustomApp(ctx.dbUrl, {
      env: {
        SMTP_URL: url,
        SMTP_FROM: 'Journeybee <hello@journeybee.test>',
        PUBLIC_URL: 'https://jb.example.test',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
  });

  it('a teammate invitation arrives by e-mail with its link; the answer and the logs never show it', async () => {
    const admin = await signUp(app.api.baseUrl, { company_name: 'Mailing Co' });
    const email = `mailed-${uniq()}@example.test`;
    const res = await admin.browser.post('/v1/invitations', {
      body: { email, role: 'partnerships' },
      origin: 'https://jb.example.test',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).not.toHaveProperty('invite_url');
    const mail = await smtp.mailTo(email);
    expect(mail.from).toBe('hello@journeybee.test');
    expect(mail.subject).toBe('Join Mailing Co on Journeybee');
    expect(mail.text).toMatch(/https:\/\/jb\.example\.test\/invite\/[A-Za-z0-9_-]{43}/);
    const token = linkToken(mail.text, 'invite');

    const browser = new Browser(app.api.baseUrl);
    expect((await browser.get(`/v1/auth/invitations/${token}`)).status).toBe(200);
    expect((await accept(token, { password: PASSWORD }, browser)).status).toBe(200);
    expect((await browser.get('/v1/users')).status).toBe(200);

    const logs = app.logs.text();
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(browser.cookie!);
    expect(logs).toContain('/v1/auth/invitations/:token/accept');
  });

  it('partner invitations are e-mailed too (no invite_url in the answer)', async () => {
    const admin = await signUp(app.api.baseUrl, { company_name: 'Mailer Partners' });
    const email = `partner@${newDomain()}`;
    const res = await admin.browser.post('/v1/partners', {
      body: { name: 'Mailed Partner', partnerType: 'referral', emails: [{ email }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.invitations).toEqual([{ email }]);
    const mail = await smtp.mailTo(email);
    expect(mail.subject).toBe('Mailer Partners invites you to partner on Journeybee');
    const token = linkToken(mail.text, 'invite');
    expect((await new Browser(app.api.baseUrl).get(`/v1/auth/invitations/${token}`)).body.kind).toBe(
      'partner',
    );
    expect(app.logs.text()).not.toContain(token);
  });

  it('a password reset link arrives by e-mail, works once, and is not logged', async () => {
    const { body } = await signUp(app.api.baseUrl);
    const res = await new Browser(app.api.baseUrl).post('/v1/auth/password-reset', {
      body: { email: body.email },
    });
    expect(res.status).toBe(202);
    const mail = await smtp.mailTo(body.email);
    expect(mail.subject).toBe('Reset your Journeybee password');
    const token = linkToken(mail.text, 'reset-password');
    const done = await new Browser(app.api.baseUrl).post('/v1/auth/password-reset/complete', {
      body: { token, password: 'reset by mail 123' },
    });
    expect(done.status).toBe(200);
    expect(app.logs.text()).not.toContain(token);
  });

  it('an unreachable mail server: 503 and no pending invitation is left', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => resolve(port));
      });
    });
    const broken = await startCustomApp(ctx.dbUrl, { env: { SMTP_URL: `smtp://127.0.0.1:${closedPort}` } });
    try {
      const admin = await signUp(broken.api.baseUrl);
      const res = await admin.browser.post('/v1/invitations', {
        body: { email: `lost-${uniq()}@example.test`, role: 'admin' },
      });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(/Could not send the invitation e-mail/);
      expect((await admin.browser.get('/v1/invitations')).body.data).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});
