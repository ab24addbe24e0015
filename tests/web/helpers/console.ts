import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { uniq } from '../../helpers/app.js';

// Driving the console as a person would: by the visible names of its controls.

export interface Person {
  company: string;
  firstName: string;
  email: string;
  password: string;
}

export function newPerson(company = 'Acme'): Person {
  const id = uniq();
  return {
    company: `${company} ${id}`,
    firstName: 'Ada',
    email: `ada@${company.toLowerCase()}-${id}.example`,
    password: `Honeycomb-${id}-Lattice`,
  };
}

/** Signs up through the Sign up page; ends on Leads, signed in. */
export async function signUp(page: Page, baseUrl: string, person: Person): Promise<void> {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Company name').fill(person.company);
  await page.getByLabel('First name').fill(person.firstName);
  await page.getByLabel('Work email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Leads', exact: true }).waitFor();
}

/** Opens a Settings tab by clicking Settings, then the tab. */
export async function openSettingsTab(page: Page, tab: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: tab, exact: true })
    .click();
  await page.getByRole('heading', { level: 2, name: tab, exact: true }).waitFor();
}

/** Settings → API Keys → Create key; returns the full key shown once. */
export async function createKeyInConsole(
  page: Page,
  opts: { name: string; permission: 'Read' | 'Write' },
): Promise<string> {
  await openSettingsTab(page, 'API Keys');
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Name').fill(opts.name);
  await dialog.getByRole('radio', { name: new RegExp(`^${opts.permission}\\b`) }).check();
  await dialog.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByRole('dialog', { name: 'Your new API key' });
  await shown.getByText('you will not see it again').waitFor();
  const key = await shown.getByRole('textbox').inputValue();
  expect(key).toMatch(/^jb_api_[A-Za-z0-9]{32,}$/);
  await shown.getByRole('button', { name: 'Done' }).click();
  return key;
}

/** Session-authenticated API calls made from inside the page (its cookie, its origin). */
export async function fetchInPage(
  page: Page,
  method: string,
  path: string,
  opts: { body?: unknown; csrf?: string | undefined } = {},
): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (csrf) headers['x-csrf-token'] = csrf;
      const res = await fetch(path, {
        method,
        headers,
        credentials: 'include',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    { method, path, body: opts.body, csrf: opts.csrf },
  );
}

/** The session's CSRF token, as the console reads it. */
export async function csrfToken(page: Page): Promise<string> {
  const session = await fetchInPage(page, 'GET', '/v1/auth/session');
  expect(session.status).toBe(200);
  return session.body.csrf_token as string;
}

/** The bell's accessible name ("Notifications" or "Notifications, 2 unread"). */
export function bellLabel(page: Page): Promise<string | null> {
  return page.getByTestId('bell').getAttribute('aria-label');
}

/**
 * An invitation or reset link as this test server serves it: the server builds links from
 * PUBLIC_URL (http://HOST:PORT by default), and a test server listens on a port of its own.
 */
export function onServer(
  link: string,
  baseUrl: string,
  kind: 'invite' | 'reset-password' = 'invite',
): string {
  const url = new URL(link);
  expect(url.pathname).toMatch(new RegExp(`^/${kind}/[A-Za-z0-9_-]{20,}$`));
  return baseUrl + url.pathname;
}

/**
 * Presses Tab (Shift+Tab with `back`) until `target` has the focus, as a keyboard user reaches a
 * control; fails if it takes more than `max` presses.
 */
export async function tabTo(
  page: Page,
  target: Locator,
  opts: { back?: boolean; max?: number } = {},
): Promise<void> {
  await target.waitFor();
  const key = opts.back ? 'Shift+Tab' : 'Tab';
  const max = opts.max ?? 60;
  for (let presses = 0; presses <= max; presses++) {
    if (await target.evaluate((el) => el === (globalThis as any).document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${max} presses of ${key} never reached ${String(target)}`);
}
