import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';
import { signUp as signUpByApi } from '../helpers/sessions.js';
import { DESKTOP, useBrowser, watchedPage } from './helpers/browser.js';
import {
  csrfToken,
  fetchInPage,
  newPerson,
  onServer,
  openSettingsTab,
  signUp,
  tabTo,
} from './helpers/console.js';

// Console controls that other files leave undriven, each through Chromium and checked against
// the API: Decline on Partners, the Team table (role, Deactivate, Reactivate, the last admin),
// Settings → Company, tags on New lead, the Copy button of a key shown once, and a lead made
// and annotated with the keyboard alone.

const ctx = useTestApp();
const chrome = useBrowser();
afterAll(killChildren);

/** A context whose waits fail with their own message before the test's 30 s run out. */
async function newContext(): Promise<BrowserContext> {
  const context = await chrome.browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(15_000);
  return context;
}

async function signedIn(company: string) {
  const context = await newContext();
  const watched = await watchedPage(context);
  const person = newPerson(company);
  await signUp(watched.page, ctx.t.api.baseUrl, person);
  return { context, ...watched, person };
}

function expectClean(w: { problems: string[]; cspViolations: string[] }) {
  expect(w.problems).toEqual([]);
  expect(w.cspViolations).toEqual([]);
}

/** POST/PATCH from inside the page with the session's CSRF token; the answer must be 2xx. */
async function write(page: Page, method: string, path: string, body: unknown) {
  const res = await fetchInPage(page, method, path, { body, csrf: await csrfToken(page) });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** The message the console shows under a field (the control's aria-describedby, last id). */
async function fieldMessage(page: Page, label: string): Promise<string | null> {
  const control = page.getByLabel(label);
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const last = ids.at(-1);
  return last ? page.locator(`[id="${last}"]`).textContent() : null;
}

describe('console: controls no other browser test drives', () => {
  it('Partners → Decline: the invitation goes, the partnership shows Declined, on both sides', async () => {
    const base = ctx.t.api.baseUrl;
    // The inviting company, through the API; its partner's contact joins in Chromium.
    const inviter = await signUpByApi(base, { company_name: `Northwind ${uniq()}` });
    const inviterName = inviter.session.company.name as string;
    const partnerName = `Contoso ${uniq()}`;
    const invited = await inviter.browser.post('/v1/partners', {
      body: {
        name: partnerName,
        partnerType: 'referral',
        emails: [{ email: `bo@contoso-${uniq()}.example`, firstName: 'Bo' }],
      },
    });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);

    const context = await newContext();
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(onServer(invited.body.invitations[0].invite_url, base));
    await page.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
    await page.getByRole('button', { name: `Join ${partnerName}` }).click();
    await page.getByRole('heading', { level: 1, name: 'Partners', exact: true }).waitFor();

    const invitations = page.getByRole('region', { name: 'Invitations for you' });
    await invitations.getByRole('button', { name: `Decline the partnership with ${inviterName}` }).click();
    const confirm = page.getByRole('dialog', { name: `Decline ${inviterName}?` });
    await confirm.getByText(`${inviterName} sees it as declined`).waitFor();
    await confirm.getByRole('button', { name: 'Decline', exact: true }).click();
    await confirm.waitFor({ state: 'detached' });
    // The page intends: the invitation leaves "Invitations for you", the row says Declined.
    await invitations.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: inviterName });
    await row.getByText('Declined', { exact: true }).waitFor();
    await page.reload();
    await row.getByText('Declined', { exact: true }).waitFor();
    expect(await page.getByRole('region', { name: 'Invitations for you' }).count()).toBe(0);

    // The API agrees, from the partner's side and from the inviter's.
    const mine = await fetchInPage(page, 'GET', '/v1/partners');
    expect(mine.body.data.map((p: any) => [p.partner.name, p.partnership.status])).toEqual([
      [inviterName, 'declined'],
    ]);
    const theirs = await inviter.browser.get('/v1/partners');
    expect(theirs.body.data.map((p: any) => [p.partner.name, p.partnership.status])).toEqual([
      [partnerName, 'declined'],
    ]);
    expectClean(w);
    await context.close();
  });

  it('Team: change a role, Deactivate, Reactivate; the last admin cannot be demoted (409 shown)', async () => {
    const w = await signedIn('Teamwork');
    const { page, person } = w;
    const bo = await write(page, 'POST', '/v1/users', {
      email: `bo@${person.email.split('@')[1]}`,
      first_name: 'Bo',
    });
    const me = (await fetchInPage(page, 'GET', '/v1/me')).body.user;
    const user = async (id: number) => (await fetchInPage(page, 'GET', `/v1/users/${id}`)).body;
    await openSettingsTab(page, 'Team');

    const boRow = page.getByRole('row').filter({ hasText: bo.email });
    const boRole = boRow.getByRole('combobox', { name: 'Role of Bo' });
    await boRole.selectOption('admin');
    await expect.poll(async () => (await user(bo.id)).role).toBe('admin');
    // The page re-reads the team after each change: let that land before the next one (CI saw
    // the first change's re-read arrive after the second selection).
    await expect.poll(() => boRole.inputValue()).toBe('admin');
    await boRole.selectOption('partnerships');
    await expect.poll(async () => (await user(bo.id)).role).toBe('partnerships');
    await expect.poll(() => boRole.inputValue()).toBe('partnerships');

    await boRow.getByRole('button', { name: 'Deactivate Bo' }).click();
    const confirm = page.getByRole('dialog', { name: 'Deactivate Bo?' });
    await confirm.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await confirm.waitFor({ state: 'detached' });
    await boRow.getByText('Deactivated', { exact: true }).waitFor();
    expect(await boRole.isDisabled()).toBe(true);
    expect((await user(bo.id)).disabled_at).toEqual(expect.any(String));

    await boRow.getByRole('button', { name: 'Reactivate Bo' }).click();
    await boRow.getByText('Active', { exact: true }).waitFor();
    expect((await user(bo.id)).disabled_at).toBeNull();
    expect(await boRole.isDisabled()).toBe(false);

    // Ada is now the only admin: demoting her is the API's 409, shown as the API words it.
    const adaRole = page.getByRole('combobox', { name: 'Role of Ada' });
    await adaRole.selectOption('partnerships');
    await page
      .getByRole('alert')
      .getByText('Ada: The last active admin of a company can be neither deactivated nor demoted', {
        exact: true,
      })
      .waitFor();
    await expect.poll(() => adaRole.inputValue()).toBe('admin');
    expect((await user(me.id)).role).toBe('admin');
    const direct = await fetchInPage(page, 'PATCH', `/v1/users/${me.id}`, {
      body: { role: 'partnerships' },
      csrf: await csrfToken(page),
    });
    expect(direct.status).toBe(409);
    expect(direct.body.error).toBe(
      'The last active admin of a company can be neither deactivated nor demoted',
    );
    // The refusal is no script error; only the 409 in the network log.
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it('Settings → Company: saves every field, a reload shows them; bad values get the API field messages', async () => {
    const w = await signedIn('Settings');
    const { page } = w;
    await openSettingsTab(page, 'Company');
    const id = uniq();
    const saved = {
      name: `Renamed ${id}`,
      website_url: `https://renamed-${id}.example`,
      domain: `renamed-${id}.example`,
      description: 'Partner-led sales since 2019.',
      default_currency: 'EUR',
    };
    await page.getByLabel('Name').fill(saved.name);
    await page.getByLabel('Website').fill(saved.website_url);
    await page.getByLabel('Email domain').fill(saved.domain);
    await page.getByLabel('Description').fill(saved.description);
    await page.getByLabel('Default currency').fill('eur'); // the form upper-cases it
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    // The top bar follows (the session is refreshed).
    await expect.poll(() => page.locator('.whoami-company').textContent()).toBe(saved.name);
    expect((await fetchInPage(page, 'GET', '/v1/company')).body).toMatchObject(saved);

    await page.reload();
    await page.getByRole('heading', { level: 2, name: 'Company', exact: true }).waitFor();
    expect(await page.getByLabel('Name').inputValue()).toBe(saved.name);
    expect(await page.getByLabel('Website').inputValue()).toBe(saved.website_url);
    expect(await page.getByLabel('Email domain').inputValue()).toBe(saved.domain);
    expect(await page.getByLabel('Description').inputValue()).toBe(saved.description);
    expect(await page.getByLabel('Default currency').inputValue()).toBe('EUR');

    // Bad values: each field gets the API's message next to it, and nothing is saved.
    await page.getByLabel('Website').fill('not a url');
    await page.getByLabel('Email domain').fill('no spaces.example');
    await page.getByLabel('Default currency').fill('ZZZ');
    const answered = page.waitForResponse(
      (r) => r.url().endsWith('/v1/company') && r.request().method() === 'PATCH',
    );
    await page.getByRole('button', { name: 'Save' }).click();
    const refused = await answered;
    expect(refused.status()).toBe(400);
    const problem = await refused.json();
    await page.getByRole('alert').getByText(problem.error, { exact: true }).waitFor();
    expect(Object.fromEntries(problem.details.map((d: any) => [d.path, d.message]))).toEqual({
      website_url: 'must be an http(s) URL',
      domain: 'must be a domain name such as acme.example',
      default_currency: 'must be an ISO 4217 currency code such as USD',
    });
    expect(await page.getByLabel('Website').getAttribute('aria-invalid')).toBe('true');
    expect(await fieldMessage(page, 'Website')).toBe('must be an http(s) URL');
    expect(await fieldMessage(page, 'Email domain')).toBe('must be a domain name such as acme.example');
    expect(await fieldMessage(page, 'Default currency')).toBe(
      'must be an ISO 4217 currency code such as USD',
    );
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
    expect((await fetchInPage(page, 'GET', '/v1/company')).body).toMatchObject(saved);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it('New lead: the picked tag is on the lead the API made (and only it)', async () => {
    const w = await signedIn('Tagging');
    const { page } = w;
    const hot = await write(page, 'POST', '/v1/tags', { label: 'Hot', association: 'lead' });
    await write(page, 'POST', '/v1/tags', { label: 'Cold', association: 'lead' });
    await write(page, 'POST', '/v1/campaigns', { title: 'Autumn', status: 'active' });

    await page.getByRole('link', { name: 'New lead' }).first().click();
    await page.getByRole('radio', { name: 'Campaign' }).check();
    await page.getByLabel('From campaign').selectOption({ label: 'Autumn' });
    await page.getByLabel('Company name').fill('Tagged Lead');
    const tags = page.getByRole('group', { name: 'Tags' });
    await tags.getByRole('checkbox', { name: 'Hot', exact: true }).check();
    await page.getByRole('button', { name: 'Create lead' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tagged Lead', exact: true }).waitFor();
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const lead = (await fetchInPage(page, 'GET', `/v1/leads/${id}`)).body;
    expect(lead.tags.map((t: { id: number }) => t.id)).toEqual([hot.id]);
    expectClean(w);
    await w.context.close();
  });

  it('the key shown once: Copy puts the full key on the clipboard', async () => {
    const base = ctx.t.api.baseUrl;
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const w = await watchedPage(context);
    const { page } = w;
    await signUp(page, base, newPerson('Clipboard'));
    await openSettingsTab(page, 'API Keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Name').fill('Copied');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('dialog', { name: 'Your new API key' });
    const key = await shown.getByRole('textbox').inputValue();
    expect(key).toMatch(/^jb_api_[A-Za-z0-9]{32,}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByText('Copied to the clipboard.', { exact: true }).waitFor();
    const clipboard = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    expect(clipboard).toBe(key);
    // It is the key that works.
    expect((await ctx.t.api.get('/v1/me', { key: clipboard })).status).toBe(200);
    expectClean(w);
    await context.close();
  });

  it('the key shown once: without clipboard access, Copy selects the whole key for Ctrl+C', async () => {
    const base = ctx.t.api.baseUrl;
    const context = await newContext();
    // A browser that refuses the page the clipboard (no permission, or not a secure context).
    await context.addInitScript(() => {
      const { navigator, DOMException } = globalThis as any;
      navigator.clipboard.writeText = () =>
        Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
    });
    const w = await watchedPage(context);
    const { page } = w;
    await signUp(page, base, newPerson('NoClipboard'));
    await openSettingsTab(page, 'API Keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Name').fill('Selected');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('dialog', { name: 'Your new API key' });
    const input = shown.getByRole('textbox');
    const key = await input.inputValue();
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByText('Selected: press Ctrl+C to copy.', { exact: true }).waitFor();
    const selection = await input.evaluate((el: any) => ({
      focused: el === (globalThis as any).document.activeElement,
      selected: el.value.slice(el.selectionStart, el.selectionEnd),
    }));
    expect(selection).toEqual({ focused: true, selected: key });
    expectClean(w);
    await context.close();
  });

  it('keyboard alone: Leads → New lead → fill and submit → the lead → add a note', async () => {
    const w = await signedIn('Keyboard');
    const { page } = w;
    await write(page, 'POST', '/v1/campaigns', { title: 'Autumn', status: 'active' });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Leads', exact: true }).waitFor();
    // From here on: no click, no fill, only keys.
    await tabTo(page, page.getByRole('link', { name: 'New lead' }).first());
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'New lead', exact: true }).waitFor();

    const company = `Keyboard Lead ${uniq()}`;
    await tabTo(page, page.getByLabel('Company name'));
    await page.keyboard.type(company);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Kay');
    // Back up to the association (Shift+Tab reaches the checked radio) and choose Campaign.
    const referral = page.getByRole('radio', { name: 'Referral' });
    await tabTo(page, referral, { back: true });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'Campaign' }).isChecked()).toBe(true);
    const campaign = page.getByLabel('From campaign');
    await tabTo(page, campaign);
    await page.keyboard.press('ArrowDown');
    expect(await campaign.locator('option:checked').textContent()).toBe('Autumn');
    await tabTo(page, page.getByRole('button', { name: 'Create lead' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: company, exact: true }).waitFor();

    const note = `Called from the keyboard ${uniq()}`;
    await tabTo(page, page.getByLabel('Add a note'));
    await page.keyboard.type(note);
    await tabTo(page, page.getByRole('button', { name: 'Add note' }));
    await page.keyboard.press('Space');
    await page.getByRole('listitem').filter({ hasText: note }).waitFor();

    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const lead = (await fetchInPage(page, 'GET', `/v1/leads/${id}`)).body;
    expect(lead).toMatchObject({ company_name: company, first_name: 'Kay' });
    expect(lead.notes.map((n: any) => n.document.content[0].content[0].text)).toEqual([note]);
    expectClean(w);
    await w.context.close();
  });
});

describe('invitation links without SMTP: shown once, never logged', () => {
  it("the built server's output never holds a teammate's or a partner's link, opened and used", async () => {
    // `journeybee serve` itself, on this file's database, at its most talkative level: everything
    // it writes to stdout and stderr is captured.
    const server = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'trace' }));
    try {
      const admin = await signUpByApi(server.url, { company_name: `Quiet ${uniq()}` });
      const teammate = await admin.browser.post('/v1/invitations', {
        body: { email: `bo@quiet-${uniq()}.example`, role: 'partnerships' },
      });
      expect(teammate.status, JSON.stringify(teammate.body)).toBe(201);
      const partner = await admin.browser.post('/v1/partners', {
        body: {
          name: `Contoso ${uniq()}`,
          partnerType: 'referral',
          emails: [{ email: `jo@contoso-${uniq()}.example`, firstName: 'Jo' }],
        },
      });
      expect(partner.status, JSON.stringify(partner.body)).toBe(201);
      const links = [teammate.body.invite_url as string, partner.body.invitations[0].invite_url as string];
      const tokens = links.map((link) => new URL(onServer(link, server.url)).pathname.split('/').pop()!);

      // Each link opened in Chromium (the page, then its API call); the partner's one is used.
      const context = await newContext();
      const page = await context.newPage();
      for (const link of links) {
        await page.goto(onServer(link, server.url));
        await page.getByRole('heading', { level: 1, name: /^Join / }).waitFor();
      }
      await page.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
      await page.getByRole('button', { name: /^Join / }).click();
      await page.getByRole('heading', { level: 1, name: 'Partners', exact: true }).waitFor();
      await context.close();

      // The requests were logged (as :token), so the check below is not of an empty log.
      await waitFor(
        () => server.stdout.includes('/v1/auth/invitations/:token/accept'),
        10_000,
        'the accept request in the log',
      );
      const output = server.stdout + server.stderr;
      expect(output).toContain('"path":"/invite/:token"');
      expect(output).toContain('"path":"/v1/auth/invitations/:token"');
      for (const [i, token] of tokens.entries()) {
        expect(output, `invitation ${i}`).not.toContain(token);
        expect(output, `invitation ${i}`).not.toContain(links[i]);
      }
      for (const line of server.logLines())
        expect(JSON.stringify(line)).not.toMatch(/\/invite\/[A-Za-z0-9_-]{20,}/);
    } finally {
      server.kill('SIGTERM');
      await server.waitForExit(15_000);
    }
  });
});
