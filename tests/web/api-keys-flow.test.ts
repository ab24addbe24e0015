import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { DESKTOP, useBrowser, watchedPage } from './helpers/browser.js';
import {
  createKeyInConsole,
  fetchInPage,
  newPerson,
  openSettingsTab,
  signUp,
  tabTo,
} from './helpers/console.js';

// The seed's promise, in a browser: "visit your Journeybee account settings and click on the
// API Keys tab. You can create multiple keys and revoke them at any time."

const ctx = useTestApp();
const chrome = useBrowser();

describe('console: API keys, from sign-up to revocation', () => {
  it('sign up → Settings → API Keys → Create key (Write) → the key works → Revoke → 401', async () => {
    const context = await chrome.browser.newContext({ viewport: DESKTOP });
    const { page, problems, cspViolations } = await watchedPage(context);
    const person = newPerson('Keys');
    await signUp(page, ctx.t.api.baseUrl, person);

    const key = await createKeyInConsole(page, { name: 'CRM sync', permission: 'Write' });

    // The list shows it (name, prefix, permission, who made it), never the full key.
    const row = page.getByRole('row').filter({ hasText: 'CRM sync' });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['CRM sync', `${key.slice(0, cells[1]!.length - 1)}…`, 'Write', 'Ada']);
    expect(await page.content()).not.toContain(key);

    // From Node, as any script would use it.
    const created = await ctx.t.api.post('/v1/users', {
      key,
      body: { email: `bo@${person.email.split('@')[1]}`, first_name: 'Bo' },
    });
    expect(created.status).toBe(201);
    const users = await ctx.t.api.get('/v1/users', { key });
    expect(users.status).toBe(200);
    expect(users.body.data.map((u: { email: string }) => u.email).sort()).toEqual(
      [person.email, `bo@${person.email.split('@')[1]}`].sort(),
    );

    // Revoke, with a confirmation.
    await row.getByRole('button', { name: /^Revoke/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => row.getByRole('cell').nth(7).textContent()).toBe('Revoked');

    const refused = await ctx.t.api.get('/v1/users', { key });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'Invalid API key' });
    expect(problems).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('a Read key reads and cannot write (403)', async () => {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    const person = newPerson('Readers');
    await signUp(page, ctx.t.api.baseUrl, person);
    const key = await createKeyInConsole(page, { name: 'Dashboard', permission: 'Read' });
    expect((await ctx.t.api.get('/v1/users', { key })).status).toBe(200);
    const write = await ctx.t.api.post('/v1/users', {
      key,
      body: { email: `x@${person.email.split('@')[1]}` },
    });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ error: 'Write access required for this operation' });
    await context.close();
  });

  it('Create key and Revoke work from the keyboard alone; Escape closes the dialog', async () => {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await signUp(page, ctx.t.api.baseUrl, newPerson('Keyboard'));
    await openSettingsTab(page, 'API Keys');

    const createButton = page.getByRole('button', { name: 'Create key' });
    await tabTo(page, createButton);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.waitFor();
    // Escape closes it and focus returns to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await createButton.evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);

    // Again, all with keys: Tab stays inside the dialog (the page behind is inert).
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    const inside: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      inside.push(await dialog.evaluate((d) => d.contains((globalThis as any).document.activeElement)));
    }
    expect(inside.every(Boolean)).toBe(true);
    await tabTo(page, dialog.getByLabel('Name'));
    await page.keyboard.type('Keyboard key');
    await page.keyboard.press('Enter');
    const shown = page.getByRole('dialog', { name: 'Your new API key' });
    await shown.getByRole('button', { name: 'Copy' }).waitFor();
    const key = await shown.getByRole('textbox').inputValue();
    expect((await ctx.t.api.get('/v1/me', { key })).status).toBe(200);
    await page.keyboard.press('Escape');
    await shown.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: 'Keyboard key' });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('Read');

    // Revoke: Tab to the row's button, Enter; in the confirmation, Tab to Revoke, Space.
    await tabTo(page, row.getByRole('button', { name: 'Revoke Keyboard key' }));
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' });
    await confirm.waitFor();
    // Escape is a way out: nothing is revoked.
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect((await ctx.t.api.get('/v1/me', { key })).status).toBe(200);
    await tabTo(page, row.getByRole('button', { name: 'Revoke Keyboard key' }));
    await page.keyboard.press('Enter');
    await confirm.waitFor();
    await tabTo(page, confirm.getByRole('button', { name: 'Revoke', exact: true }));
    await page.keyboard.press('Space');
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => row.getByRole('cell').nth(7).textContent()).toBe('Revoked');
    const refused = await ctx.t.api.get('/v1/me', { key });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'Invalid API key' });
    await context.close();
  });

  it('the console refuses its own writes without the CSRF token (a session is not enough)', async () => {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await signUp(page, ctx.t.api.baseUrl, newPerson('Tokens'));
    const res = await fetchInPage(page, 'POST', '/v1/api-keys', { body: { permission: 'write' } });
    expect(res).toEqual({ status: 403, body: { error: 'CSRF check failed', code: 'forbidden' } });
    await context.close();
  });
});
