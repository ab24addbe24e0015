import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { useBrowser } from './helpers/browser.js';
import { fetchInPage, newPerson, onServer, openSettingsTab, signUp } from './helpers/console.js';

const ctx = useTestApp();
const chrome = useBrowser();

describe('console: a partnerships teammate', () => {
  it('joins through a Team invitation, sees Settings without the admin tabs, and the API answers 403', async () => {
    const base = ctx.t.api.baseUrl;
    const admin = await chrome.browser.newContext();
    const page = await admin.newPage();
    const person = newPerson('Team');
    await signUp(page, base, person);
    await openSettingsTab(page, 'Team');
    const email = `sam-${uniq()}@${person.email.split('@')[1]}`;
    const form = page.getByRole('form', { name: 'Invite a teammate' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Role').selectOption('partnerships');
    await form.getByRole('button', { name: 'Invite' }).click();
    const link = onServer(
      await form.getByLabel(new RegExp(`^Invitation link for ${email}`)).inputValue(),
      base,
    );
    await page.getByRole('region', { name: 'Pending invitations' }).getByText(email).waitFor();

    const teammate = await chrome.browser.newContext();
    const sam = await teammate.newPage();
    await sam.goto(link);
    await sam.getByRole('heading', { level: 1, name: `Join ${person.company}` }).waitFor();
    await sam.getByLabel('First name').fill('Sam');
    await sam.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
    await sam.getByRole('button', { name: `Join ${person.company}` }).click();
    await sam.getByRole('heading', { level: 1, name: 'Leads', exact: true }).waitFor();

    await sam.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const tabs = sam.getByRole('navigation', { name: 'Settings' });
    await tabs.waitFor();
    expect(await tabs.getByRole('link').allTextContents()).toEqual(['Profile']);
    // Typing the admin tab's address does not show it either.
    await sam.goto(`${base}/settings/api-keys`);
    await sam.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    expect(await sam.getByRole('heading', { name: 'API Keys' }).count()).toBe(0);

    const keys = await fetchInPage(sam, 'GET', '/v1/api-keys');
    expect(keys).toEqual({
      status: 403,
      body: { error: 'Admin role required for this operation', code: 'forbidden' },
    });

    // The admin sees the new teammate, with the role, in Team.
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: email });
    await row.waitFor();
    expect(await row.getByRole('combobox').inputValue()).toBe('partnerships');
    await admin.close();
    await teammate.close();
  });
});

describe('console: CSRF', () => {
  // An attacker's page on another origin of the same site (another port of 127.0.0.1): the
  // browser sends the SameSite=Lax cookie with its form post, so only the server's CSRF
  // check stands between it and the account.
  let attacker: http.Server;
  let attackerUrl: string;
  let formHtml = '';
  beforeAll(async () => {
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(formHtml);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

  it.each([
    ['application/x-www-form-urlencoded', '<input name="permission" value="write">'],
    ['text/plain', '<input name=\'{"permission":"write","x":"\' value=\'"}\'>'],
  ])('a cross-origin form post (%s) with the session cookie is refused', async (enctype, fields) => {
    const base = ctx.t.api.baseUrl;
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await signUp(page, base, newPerson('Victim'));
    const before = await fetchInPage(page, 'GET', '/v1/api-keys');

    formHtml = `<!doctype html><form id="f" method="POST" enctype="${enctype}" action="${base}/v1/api-keys">${fields}</form>`;
    await page.goto(attackerUrl);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/v1/api-keys` && r.request().method() === 'POST'),
      page.evaluate(() => (globalThis as any).document.getElementById('f').submit()),
    ]);
    // The cookie went with it (same site), and the server refused it.
    expect(await response.request().headerValue('cookie')).toMatch(/jb_session=/);
    expect(response.status()).toBe(403);
    expect(await response.json()).toEqual({ error: 'CSRF check failed', code: 'forbidden' });

    await page.goto(`${base}/leads`);
    await page.getByRole('heading', { level: 1, name: 'Leads', exact: true }).waitFor();
    const after = await fetchInPage(page, 'GET', '/v1/api-keys');
    expect(after.body.meta['record-count']).toBe(before.body.meta['record-count']);
    await context.close();
  });
});
