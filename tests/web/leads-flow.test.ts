import { beforeAll, describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { useBrowser } from './helpers/browser.js';
import { createKeyInConsole, newPerson, signUp } from './helpers/console.js';

// Leads in the console: the API's search, filters and pagination; a lead's detail with its
// notes and status; the New lead form with custom fields from their definitions, and the
// API's messages next to the fields they are about.

const ctx = useTestApp();
const chrome = useBrowser();
let key = '';
let page: import('playwright-core').Page;
const fields: { size: number; region: number; emea: number } = { size: 0, region: 0, emea: 0 };

beforeAll(async () => {
  const context = await chrome.browser.newContext();
  page = await context.newPage();
  await signUp(page, ctx.t.api.baseUrl, newPerson('Pipeline'));
  key = await createKeyInConsole(page, { name: 'seed', permission: 'Write' });
  const post = async (path: string, body: unknown) => {
    const res = await ctx.t.api.post(path, { key, body });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const campaign = await post('/v1/campaigns', { title: 'Autumn', status: 'active' });
  fields.size = (
    await post('/v1/custom-fields', { label: 'Deal size', type: 'number', category: 'lead' })
  ).id;
  const region = await post('/v1/custom-fields', {
    label: 'Region',
    type: 'select',
    category: 'lead',
    options: [{ label: 'EMEA' }, { label: 'APAC' }],
  });
  fields.region = region.id;
  fields.emea = region.options[0].id;
  for (let i = 1; i <= 23; i++) {
    await post('/v1/leads', {
      associationType: 'campaigns',
      companyCampaignId: campaign.id,
      company_name: `Lead ${String(i).padStart(2, '0')}`,
      email: `buyer${i}@lead${i}.example`,
      status: i % 5 === 0 ? 'qualified' : 'new',
    });
  }
});

const rowNames = () => page.locator('table tbody tr td:first-child').allTextContents();

describe('console: leads', () => {
  it('pages through the list, 20 at a time, newest first', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads`);
    await expect.poll(async () => (await rowNames()).length).toBe(20);
    expect((await rowNames())[0]).toBe('Lead 23');
    await page.getByText('23 leads · page 1 of 2').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(rowNames).toEqual(['Lead 03', 'Lead 02', 'Lead 01']);
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
  });

  it('searches and filters with the API: the URL keeps them, Clear filters drops them', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('lead7.example');
    await page.keyboard.press('Enter');
    await expect.poll(rowNames).toEqual(['Lead 07']);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('Status').selectOption('qualified');
    await expect.poll(rowNames).toEqual(['Lead 20', 'Lead 15', 'Lead 10', 'Lead 05']);
    await page.getByLabel('Sort').selectOption('company_name');
    await expect.poll(rowNames).toEqual(['Lead 05', 'Lead 10', 'Lead 15', 'Lead 20']);
    expect(new URL(page.url()).searchParams.get('status')).toBe('qualified');
    await page.reload();
    await expect.poll(rowNames).toEqual(['Lead 05', 'Lead 10', 'Lead 15', 'Lead 20']);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await rowNames()).length).toBe(20);
  });

  it("a lead's detail: add a note, change the status", async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads?search=lead9.example`);
    await page.getByRole('link', { name: 'Lead 09' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lead 09', exact: true }).waitFor();
    const text = `Spoke to the buyer ${uniq()}`;
    await page.getByLabel('Add a note').fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('listitem').filter({ hasText: text }).waitFor();
    await page.getByLabel('Status').selectOption('contacted');
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    await expect
      .poll(async () => (await ctx.t.api.get(`/v1/leads/${id}`, { key })).body.status)
      .toBe('contacted');
    const lead = (await ctx.t.api.get(`/v1/leads/${id}`, { key })).body;
    expect(lead.notes.map((n: any) => n.document.content[0].content[0].text)).toEqual([text]);
  });

  it('New lead renders the custom fields from their definitions and stores their values', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads/new`);
    await page.getByRole('radio', { name: 'Campaign' }).check();
    await page.getByLabel('From campaign').selectOption({ label: 'Autumn' });
    await page.getByLabel('Company name').fill('Northwind Lead');
    await page.getByLabel('Deal size').fill('12500');
    await page.getByLabel('Region').selectOption({ label: 'EMEA' });
    await page.getByRole('button', { name: 'Create lead' }).click();
    await page.getByRole('heading', { level: 1, name: 'Northwind Lead', exact: true }).waitFor();
    await page.getByText('12500').waitFor();
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const lead = (await ctx.t.api.get(`/v1/leads/${id}`, { key })).body;
    const values = Object.fromEntries(lead.custom_fields.map((c: any) => [c.id, c.value]));
    expect(values).toEqual({ [fields.size]: { number: 12500 }, [fields.region]: { select: fields.emea } });
  });

  it("shows the API's messages next to the fields: a bad email, a duplicate", async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads/new`);
    await page.getByRole('radio', { name: 'Campaign' }).check();
    await page.getByLabel('From campaign').selectOption({ label: 'Autumn' });
    const email = page.getByLabel('Email', { exact: true });
    await email.fill('not-an-email');
    await page.getByRole('button', { name: 'Create lead' }).click();
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    const message = page.locator(`[id="${await email.getAttribute('aria-describedby')}"]`);
    expect(await message.textContent()).toMatch(/email/i);

    await email.fill('buyer3@lead3.example');
    await page.getByRole('button', { name: 'Create lead' }).click();
    await page.getByRole('alert').getByText('Duplicate lead or unique constraint violation').waitFor();
  });
});
