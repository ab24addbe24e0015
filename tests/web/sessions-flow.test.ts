import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { useBrowser } from './helpers/browser.js';
import { newPerson, signUp } from './helpers/console.js';

// Log out, log in (and back to the page that asked for it), a wrong password, and the same
// email in two companies.

const ctx = useTestApp();
const chrome = useBrowser();

describe('console: log out and log in', () => {
  it('Log out ends the session; Log in brings you back where you were going', async () => {
    const base = ctx.t.api.baseUrl;
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    const person = newPerson('Sessions');
    await signUp(page, base, person);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in', exact: true }).waitFor();
    // The cookie no longer opens anything.
    const cookies = await context.cookies(base);
    expect(cookies.find((c) => c.name === 'jb_session')).toBeUndefined();

    await page.goto(`${base}/settings/api-keys`);
    await page.getByRole('heading', { level: 1, name: 'Log in', exact: true }).waitFor();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('Invalid email or password').waitFor();
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 2, name: 'API Keys', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings/api-keys');
    const cookie = (await context.cookies(base)).find((c) => c.name === 'jb_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    await context.close();
  });

  it('an email with accounts in two companies chooses the company', async () => {
    const base = ctx.t.api.baseUrl;
    const person = newPerson('Twice');
    const first = await chrome.browser.newContext();
    await signUp(await first.newPage(), base, person);
    await first.close();
    const second = await chrome.browser.newContext();
    await signUp(await second.newPage(), base, { ...person, company: `${person.company} Two` });
    await second.close();

    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    const choices = page.getByRole('group', { name: 'Company' });
    await choices.waitFor();
    await choices.getByRole('radio', { name: `${person.company} Two` }).check();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leads', exact: true }).waitFor();
    expect(await page.locator('.whoami-company').textContent()).toBe(`${person.company} Two`);
    await context.close();
  });
});
