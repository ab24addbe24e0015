import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { ROOT } from '../helpers/process.js';
import {
  DESKTOP,
  expectNoHorizontalScroll,
  PHONE,
  seriousAxeViolations,
  useBrowser,
  watchedPage,
} from './helpers/browser.js';
import {
  createKeyInConsole,
  csrfToken,
  fetchInPage,
  newPerson,
  onServer,
  signUp,
} from './helpers/console.js';

// Every main page of a company with real data (a partner, tags, custom fields, leads, notes,
// deals, a webhook, a notification): axe-core finds no serious or critical violation, nothing scrolls
// sideways at 375 px, no script error, no CSP violation. `npm run web:screenshots` runs this
// file with JB_SCREENSHOTS=1 and writes docs/screenshots/*.png.

const ctx = useTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
const chrome = useBrowser();
const SHOTS = process.env.JB_SCREENSHOTS === '1' ? path.join(ROOT, 'docs/screenshots') : undefined;

let page: Page;
let problems: string[];
let cspViolations: string[];
let leadId = 0;
let webhookId = 0;

beforeAll(async () => {
  const base = ctx.t.api.baseUrl;
  const context = await chrome.browser.newContext({ viewport: DESKTOP });
  ({ page, problems, cspViolations } = await watchedPage(context));
  const person = newPerson('Northwind');
  person.company = 'Northwind Traders';
  await signUp(page, base, { ...person, firstName: 'Avery' });
  const key = await createKeyInConsole(page, { name: 'CRM sync', permission: 'Write' });
  await createKeyInConsole(page, { name: 'Reporting dashboard', permission: 'Read' });
  const post = async (p: string, body: unknown) => {
    const res = await ctx.t.api.post(p, { key, body });
    expect(res.status, `${p}: ${res.text}`).toBeLessThan(300);
    return res.body;
  };

  // A partner that joins and accepts, and sends a lead back.
  const partner = await post('/v1/partners', {
    name: 'Contoso Partners',
    partnerType: 'referral',
    emails: [{ email: `jo@contoso-${uniq()}.example`, firstName: 'Jo', lastName: 'Rivera' }],
  });
  const partnerContext = await chrome.browser.newContext();
  const jo = await partnerContext.newPage();
  await jo.goto(onServer(partner.invitations[0].invite_url, base));
  await jo.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
  await jo.getByRole('button', { name: /^Join/ }).click();
  await jo.getByRole('heading', { level: 1, name: 'Partners', exact: true }).waitFor();
  const joCsrf = await csrfToken(jo);
  const joSide = await fetchInPage(jo, 'GET', '/v1/partners');
  const accepted = await fetchInPage(jo, 'POST', `/v1/partnerships/${joSide.body.data[0].id}/accept`, {
    body: {},
    csrf: joCsrf,
  });
  expect(accepted.status).toBe(200);

  const tags = [
    await post('/v1/tags', {
      label: 'Hot',
      association: 'lead',
      background_color: '#fde68a',
      text_color: '#713f12',
    }),
    await post('/v1/tags', {
      label: 'Enterprise',
      association: 'lead',
      background_color: '#dbeafe',
      text_color: '#1e3a8a',
    }),
  ];
  await post('/v1/custom-fields', { label: 'Deal size', type: 'number', category: 'lead' });
  await post('/v1/custom-fields', {
    label: 'Region',
    type: 'select',
    category: 'lead',
    options: [{ label: 'EMEA' }, { label: 'Americas' }, { label: 'APAC' }],
  });
  const campaign = await post('/v1/campaigns', { title: 'Spring webinar', status: 'active' });
  const people = [
    ['Fabrikam', 'Mia', 'Chen', 'qualified'],
    ['Tailspin Toys', 'Luis', 'Ortega', 'contacted'],
    ['Litware', 'Noor', 'Haddad', 'new'],
    ['Adventure Works', 'Sven', 'Berg', 'converted'],
    ['Wide World Importers', 'Ana', 'Silva', 'new'],
  ] as const;
  const leadIds: number[] = [];
  for (const [i, [company, first, last, status]] of people.entries()) {
    const made = await post('/v1/leads', {
      associationType: i < 3 ? 'referral' : 'campaigns',
      ...(i < 3
        ? { partnershipLead: { partnership_id: partner.partnership_id, sendToPartner: i === 0 } }
        : { companyCampaignId: campaign.id }),
      company_name: company,
      first_name: first,
      last_name: last,
      email: `${first.toLowerCase()}@${company.toLowerCase().replaceAll(' ', '')}.example`,
      status,
      tags: i % 2 === 0 ? [tags[0].id] : [tags[1].id],
    });
    leadIds.push(made.id);
  }
  leadId = leadIds[0]!;
  // Deals on the partner's leads (one won): Partners and Reports have numbers to show.
  const discovery = await post('/v1/stages/lead-deal-stages', {
    label: 'Discovery',
    phase: 'discovery',
    series: 1,
  });
  const won = await post('/v1/stages/lead-deal-stages', { label: 'Won', phase: 'closed_won', series: 2 });
  await post('/v1/deals', {
    lead_id: leadIds[0],
    label: 'Fabrikam rollout',
    deal_value: '4200',
    stage_id: won.id,
  });
  await post('/v1/deals', {
    lead_id: leadIds[1],
    label: 'Tailspin pilot',
    deal_value: '1500',
    stage_id: discovery.id,
  });
  await post(`/v1/leads/${leadId}/notes`, {
    document: {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Call booked for Tuesday; they want a demo of partner reporting.' },
          ],
        },
      ],
    },
  });
  // Jo sends a lead back: Avery's bell has something to show.
  const joPartnership = joSide.body.data[0].partnership_id;
  const back = await fetchInPage(jo, 'POST', '/v1/leads', {
    csrf: joCsrf,
    body: {
      associationType: 'referral',
      company_name: 'Proseware',
      email: 'it@proseware.example',
      partnershipLead: { partnership_id: joPartnership, sendToPartner: true },
    },
  });
  expect(back.status).toBe(201);
  await partnerContext.close();
  const hook = await post('/v1/webhooks', {
    url: 'http://127.0.0.1:9/journeybee',
    events: ['leads.create', 'leads.update'],
    description: 'CRM bridge',
  });
  webhookId = hook.id;
  await post(`/v1/webhooks/${webhookId}/test`, {});
});

/** The Reports chart has painted (Chart.js loads on the page, then draws the bars). */
async function chartDrawn(p: Page): Promise<void> {
  const chart = p.getByRole('img', { name: /^Bar chart of won value/ });
  await chart.waitFor();
  await expect
    .poll(() =>
      chart.evaluate((element) => {
        const canvas = element as any; // a DOM canvas (compiled without DOM types)
        const context2d = canvas.getContext('2d');
        if (!context2d || canvas.width === 0) return 0;
        const pixels = context2d.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return painted;
      }),
    )
    .toBeGreaterThan(1000);
}

const PAGES: { name: string; path: () => string; heading: string; ready?: (p: Page) => Promise<void> }[] = [
  { name: 'leads', path: () => '/leads', heading: 'Leads' },
  { name: 'lead', path: () => `/leads/${leadId}`, heading: 'Fabrikam' },
  { name: 'new-lead', path: () => '/leads/new', heading: 'New lead' },
  { name: 'partners', path: () => '/partners', heading: 'Partners' },
  { name: 'reports', path: () => '/reports', heading: 'Reports', ready: chartDrawn },
  { name: 'notifications', path: () => '/notifications', heading: 'Notifications' },
  { name: 'settings-company', path: () => '/settings/company', heading: 'Settings' },
  { name: 'settings-team', path: () => '/settings/team', heading: 'Settings' },
  { name: 'settings-api-keys', path: () => '/settings/api-keys', heading: 'Settings' },
  { name: 'settings-webhooks', path: () => '/settings/webhooks', heading: 'Settings' },
  { name: 'settings-webhook', path: () => `/settings/webhooks/${webhookId}`, heading: 'Settings' },
  { name: 'settings-profile', path: () => '/settings/profile', heading: 'Settings' },
];

async function open(path: string, heading: string, ready?: (p: Page) => Promise<void>) {
  await page.goto(ctx.t.api.baseUrl + path);
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  // Settle: every list on the page has loaded.
  await expect.poll(() => page.locator('output.loading').count()).toBe(0);
  await ready?.(page);
}

describe('console: the main pages', () => {
  it.each(PAGES)('$name: axe-core finds no serious or critical violation', async ({
    name,
    path,
    heading,
    ready,
  }) => {
    await page.setViewportSize(DESKTOP);
    await open(path(), heading, ready);
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
  });

  it.each(PAGES)('$name: readable on a 375 px wide phone', async ({ name, path, heading, ready }) => {
    await page.setViewportSize(PHONE);
    await open(path(), heading, ready);
    await expectNoHorizontalScroll(page);
    if (SHOTS && ['leads', 'lead', 'settings-api-keys'].includes(name)) {
      await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
    }
  });

  it.each([
    { name: 'signup', path: '/signup', heading: 'Sign up' },
    { name: 'login', path: '/login', heading: 'Log in' },
  ])('$name, signed out: axe-core finds no serious or critical violation', async ({
    name,
    path,
    heading,
  }) => {
    const context = await chrome.browser.newContext({ viewport: DESKTOP });
    const signedOut = await watchedPage(context);
    await signedOut.page.goto(ctx.t.api.baseUrl + path);
    await signedOut.page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
    expect(await seriousAxeViolations(signedOut.page)).toEqual([]);
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await signedOut.page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
    expect(signedOut.problems).toEqual([]);
    expect(signedOut.cspViolations).toEqual([]);
    await context.close();
  });

  it('the Create key dialog and the key shown once', async () => {
    await page.setViewportSize(DESKTOP);
    await open('/settings/api-keys', 'Settings');
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Name').fill('Zapier');
    await dialog.getByRole('radio', { name: /^Write/ }).check();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/create-key.png` });
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await page
      .getByRole('dialog', { name: 'Your new API key' })
      .getByText('you will not see it again')
      .waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/key-shown-once.png` });
    await page.keyboard.press('Escape');
  });

  it('Mark all as read clears the bell', async () => {
    await page.setViewportSize(DESKTOP);
    await open('/notifications', 'Notifications');
    expect(await page.getByTestId('bell').getAttribute('aria-label')).toBe('Notifications, 2 unread');
    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await expect.poll(() => page.getByTestId('bell').getAttribute('aria-label')).toBe('Notifications');
    // The bell's count and the list are two reads sent side by side: either may land first.
    await expect.poll(() => page.locator('.notification.unread').count()).toBe(0);
  });

  it('logged no script error and no CSP violation on the way', () => {
    expect(problems).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
