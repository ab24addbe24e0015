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

// Deals in the console: the table with the API's filters, the board (a card moved from the
// keyboard alone and by drag-and-drop, each a real PATCH that a reload shows; a refused move
// goes back), a deal's page (a note, the commission, a payment approved by the admin), a
// partner's read-only view, New deal from a lead, and the Partners page's deal counts. Every
// deal page: no serious axe violation, nothing sideways at 375 px, no script error or CSP
// violation. JB_SCREENSHOTS=1 writes docs/screenshots/deals.png, deal-board.png and deal.png.

const ctx = useTestApp();
const chrome = useBrowser();
const SHOTS = process.env.JB_SCREENSHOTS === '1' ? path.join(ROOT, 'docs/screenshots') : undefined;

let page: Page;
let jo: Page;
let problems: string[];
let cspViolations: string[];
let key = '';
const stage = { discovery: 0, proposal: 0, won: 0 };
let invoiced = 0;
let priority = 0;
const deal = { rollout: 0, pilot: 0, renewal: 0, doomed: 0 };
let fabrikamLead = 0;
let partnerName = '';

const api = {
  async post(p: string, body: unknown) {
    const res = await ctx.t.api.post(p, { key, body });
    expect(res.status, `${p}: ${res.text}`).toBeLessThan(300);
    return res.body;
  },
  async get(p: string) {
    const res = await ctx.t.api.get(p, { key });
    expect(res.status, `${p}: ${res.text}`).toBe(200);
    return res.body;
  },
};

beforeAll(async () => {
  const base = ctx.t.api.baseUrl;
  const context = await chrome.browser.newContext({ viewport: DESKTOP });
  ({ page, problems, cspViolations } = await watchedPage(context));
  const person = newPerson('Northwind');
  await signUp(page, base, { ...person, firstName: 'Avery' });
  key = await createKeyInConsole(page, { name: 'seed', permission: 'Write' });

  // A partner that joins and accepts.
  partnerName = `Contoso ${uniq()}`;
  const partner = await api.post('/v1/partners', {
    name: partnerName,
    partnerType: 'referral',
    emails: [{ email: `jo@contoso-${uniq()}.example`, firstName: 'Jo' }],
  });
  const partnerContext = await chrome.browser.newContext({ viewport: DESKTOP });
  jo = await partnerContext.newPage();
  await jo.goto(onServer(partner.invitations[0].invite_url, base));
  await jo.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
  await jo.getByRole('button', { name: /^Join/ }).click();
  await jo.getByRole('heading', { level: 1, name: 'Partners', exact: true }).waitFor();
  const joSide = await fetchInPage(jo, 'GET', '/v1/partners');
  const accepted = await fetchInPage(jo, 'POST', `/v1/partnerships/${joSide.body.data[0].id}/accept`, {
    body: {},
    csrf: await csrfToken(jo),
  });
  expect(accepted.status).toBe(200);

  stage.discovery = (
    await api.post('/v1/stages/lead-deal-stages', { label: 'Discovery', phase: 'discovery', series: 1 })
  ).id;
  stage.proposal = (
    await api.post('/v1/stages/lead-deal-stages', { label: 'Proposal', phase: 'negotiation', series: 2 })
  ).id;
  stage.won = (
    await api.post('/v1/stages/lead-deal-stages', { label: 'Won', phase: 'closed_won', series: 3 })
  ).id;
  invoiced = (await api.post('/v1/stages/payment-stages', { label: 'Invoiced', phase: 'invoiced' })).id;
  priority = (
    await api.post('/v1/tags', {
      label: 'Priority',
      association: 'lead_deal',
      background_color: '#fde68a',
      text_color: '#713f12',
    })
  ).id;
  const campaign = await api.post('/v1/campaigns', { title: 'Spring webinar', status: 'active' });
  const lead = async (company: string, referral: boolean) =>
    (
      await api.post('/v1/leads', {
        associationType: referral ? 'referral' : 'campaigns',
        ...(referral
          ? { partnershipLead: { partnership_id: partner.partnership_id, sendToPartner: true } }
          : { companyCampaignId: campaign.id }),
        company_name: company,
        email: `buyer@${company.toLowerCase().replaceAll(' ', '')}.example`,
      })
    ).id as number;
  fabrikamLead = await lead('Fabrikam', true);
  const litware = await lead('Litware', false);
  const tailspin = await lead('Tailspin Toys', true);
  const newDeal = async (body: Record<string, unknown>) => (await api.post('/v1/deals', body)).id as number;
  deal.rollout = await newDeal({
    lead_id: fabrikamLead,
    label: 'Fabrikam rollout',
    deal_value: '1250.50',
    stage_id: stage.discovery,
    tags: [priority],
  });
  deal.pilot = await newDeal({
    lead_id: litware,
    label: 'Litware pilot',
    deal_value: '300',
    stage_id: stage.discovery,
  });
  deal.renewal = await newDeal({
    lead_id: tailspin,
    label: 'Tailspin renewal',
    deal_value: '999.99',
    stage_id: stage.won,
  });
  deal.doomed = await newDeal({
    lead_id: litware,
    label: 'Litware extras',
    deal_value: '10',
    stage_id: stage.proposal,
  });
});

const rowNames = () => page.locator('table tbody tr td:first-child').allTextContents();
const column = (p: Page, label: string) => p.getByRole('region', { name: label, exact: true });
const cardsIn = (p: Page, label: string) => column(p, label).locator('.board-card > a').allTextContents();
const stageOf = async (id: number) => (await api.get(`/v1/deals/${id}`)).stage_id as number;

async function open(path: string, heading: string) {
  await page.goto(ctx.t.api.baseUrl + path);
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  await expect.poll(() => page.locator('output.loading').count()).toBe(0);
}

describe('console: deals', () => {
  it('Deals is in the main navigation; the table filters with the API, the URL keeps the filters', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deals', exact: true }).waitFor();
    await expect
      .poll(rowNames)
      .toEqual(['Litware extras', 'Tailspin renewal', 'Litware pilot', 'Fabrikam rollout']);
    await page.getByRole('row').filter({ hasText: 'Fabrikam rollout' }).getByText('$1,250.50').waitFor();

    await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'Priority' });
    await expect.poll(rowNames).toEqual(['Fabrikam rollout']);
    expect(new URL(page.url()).searchParams.get('tags')).toBe(String(priority));
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.getByLabel('Phase').selectOption('closed_won');
    await expect.poll(rowNames).toEqual(['Tailspin renewal']);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Litware');
    await page.keyboard.press('Enter');
    await expect.poll(rowNames).toEqual(['Litware extras', 'Litware pilot']);
    await page.getByLabel('Sort').selectOption('deal_value');
    await expect.poll(rowNames).toEqual(['Litware extras', 'Litware pilot']);
    await page.getByLabel('Sort').selectOption('-deal_value');
    await expect.poll(rowNames).toEqual(['Litware pilot', 'Litware extras']);
    await page.reload();
    await expect.poll(rowNames).toEqual(['Litware pilot', 'Litware extras']);
  });

  it('the board moves a card from the keyboard alone, announces it, and the move is stored', async () => {
    await open('/deals?layout=board', 'Deals');
    await expect.poll(() => cardsIn(page, 'Discovery')).toEqual(['Litware pilot', 'Fabrikam rollout']);
    // Tab to the card's Move button, as a keyboard user would.
    let tabs = 0;
    while (
      !(await page
        .getByRole('button', { name: 'Move Litware pilot' })
        .evaluate((el) => el === (globalThis as any).document.activeElement))
    ) {
      await page.keyboard.press('Tab');
      expect(++tabs, 'Tab never reached the card').toBeLessThan(40);
    }
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('board-announcer').textContent())
      .toMatch(/^Picked up Litware pilot/);
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.getByTestId('board-announcer').textContent())
      .toMatch(/^Proposal, stage 2 of 3/);
    expect(await column(page, 'Proposal').getAttribute('class')).toContain('board-target');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('board-announcer').textContent())
      .toBe('Moved Litware pilot to Proposal.');
    expect(await cardsIn(page, 'Proposal')).toEqual(['Litware pilot', 'Litware extras']);
    // Focus stays on the card in its new column.
    expect(
      await column(page, 'Proposal')
        .getByRole('button', { name: 'Move Litware pilot' })
        .evaluate((el) => el === (globalThis as any).document.activeElement),
    ).toBe(true);
    expect(await stageOf(deal.pilot)).toBe(stage.proposal);
    await page.reload();
    await expect.poll(() => cardsIn(page, 'Proposal')).toContain('Litware pilot');
    expect(await cardsIn(page, 'Discovery')).toEqual(['Fabrikam rollout']);

    // Escape puts a picked-up card back without a request.
    await column(page, 'Proposal').getByRole('button', { name: 'Move Litware pilot' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.getByTestId('board-announcer').textContent())
      .toBe('Litware pilot stays in Proposal.');
    expect(await stageOf(deal.pilot)).toBe(stage.proposal);
  });

  it('the board moves a card by drag-and-drop; a reload shows it in its new stage', async () => {
    await open('/deals?layout=board', 'Deals');
    const card = column(page, 'Discovery').locator('.board-card').filter({ hasText: 'Fabrikam rollout' });
    await card.dragTo(column(page, 'Won'));
    await expect.poll(() => cardsIn(page, 'Won')).toEqual(['Fabrikam rollout', 'Tailspin renewal']);
    await expect.poll(() => stageOf(deal.rollout)).toBe(stage.won);
    await page.reload();
    await expect.poll(() => cardsIn(page, 'Won')).toContain('Fabrikam rollout');
    expect(await cardsIn(page, 'Discovery')).toEqual([]);
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/deal-board.png`, fullPage: true });
    }
  });

  it('a refused move puts the card back and says why', async () => {
    await open('/deals?layout=board', 'Deals');
    await expect.poll(() => cardsIn(page, 'Proposal')).toContain('Litware extras');
    // Someone deletes the deal meanwhile: the PATCH is a 404.
    expect((await ctx.t.api.delete(`/v1/deals/${deal.doomed}`, { key })).status).toBe(204);
    await column(page, 'Proposal').getByRole('button', { name: 'Move Litware extras' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page
      .getByRole('alert')
      .getByText(/^Litware extras could not move to Won: /)
      .waitFor();
    expect(await cardsIn(page, 'Proposal')).toContain('Litware extras');
    expect(await cardsIn(page, 'Won')).not.toContain('Litware extras');
  });

  it("a deal's page: a note, the commission, a payment the admin approves", async () => {
    await open(`/deals/${deal.rollout}`, 'Fabrikam rollout');
    await page.getByTestId('deal-value').getByText('$1,250.50').waitFor();
    await page.getByRole('link', { name: 'Fabrikam' }).first().waitFor();

    const text = `Procurement signed off ${uniq()}`;
    await page.getByLabel('Add a note').fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('listitem').filter({ hasText: text }).waitFor();
    const notes = await api.get(`/v1/deals/${deal.rollout}/notes`);
    expect(notes.data.map((n: any) => n.document.content[0].content[0].text)).toEqual([text]);

    // The commission: one fixed entry paid at Invoiced.
    await page.getByRole('button', { name: 'Edit commission' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit commission' });
    await dialog.getByRole('button', { name: 'Add entry' }).click();
    await dialog.getByLabel('Payment stage').selectOption({ label: 'Invoiced' });
    await dialog.getByLabel('Kind').selectOption('fixed');
    await dialog.getByLabel('Amount (USD)').fill('125.05');
    await dialog.getByRole('button', { name: 'Save commission' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('commission-total').textContent()).toBe('$125.05');

    // Entering Invoiced makes the payment; the admin approves it, then marks it completed.
    await page
      .getByRole('region', { name: 'Edit deal' })
      .getByLabel('Payment stage')
      .selectOption({ label: 'Invoiced' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    const payments = page.getByRole('region', { name: 'Payments' });
    const row = payments.getByRole('row').filter({ hasText: '$125.05' });
    await row.getByText('Waiting').waitFor();
    await row.getByRole('button', { name: /^Approve the payment of \$125\.05/ }).click();
    await row.getByText('Approved').waitFor();
    const [payment] = await api.get(`/v1/deals/${deal.rollout}/payments`);
    expect(payment).toMatchObject({
      payment_value: '125.05',
      payment_stage_id: invoiced,
      approved: true,
      payment_completed: false,
    });
    await row.getByRole('button', { name: /^Mark completed: the payment of \$125\.05/ }).click();
    await row.getByText('Completed', { exact: true }).waitFor();
    expect((await api.get(`/v1/deals/${deal.rollout}/payments`))[0].payment_completed).toBe(true);
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/deal.png`, fullPage: true });
    }
  });

  it('the partner sees the shared fields read-only and edits only its own side', async () => {
    const list = await fetchInPage(jo, 'GET', '/v1/deals?search=Fabrikam');
    expect(list.status).toBe(200);
    const shared = list.body.data.find((d: any) => d.label === 'Fabrikam rollout');
    expect(shared?.side).toBe('partner');
    await jo.goto(`${ctx.t.api.baseUrl}/deals/${shared.id}`);
    await jo.getByRole('heading', { level: 1, name: 'Fabrikam rollout', exact: true }).waitFor();
    await jo.getByText(/owns this deal and shares it with you/).waitFor();
    const edit = jo.getByRole('region', { name: 'Edit deal' });
    await edit.getByLabel('Stage').waitFor();
    expect(await edit.getByLabel(/^Value/).count()).toBe(0);
    expect(await jo.getByRole('button', { name: 'Edit commission' }).count()).toBe(0);
    expect(await jo.getByRole('button', { name: 'Delete deal' }).count()).toBe(0);
    await jo.getByRole('region', { name: 'Payments' }).getByText('$125.05').waitFor();
    expect(await jo.getByRole('region', { name: 'Payments' }).getByRole('button').count()).toBe(0);
  });

  it('New deal from a lead: the lead lists its deals', async () => {
    await open(`/leads/${fabrikamLead}`, 'Fabrikam');
    const deals = page.getByRole('region', { name: 'Deals' });
    await deals.getByRole('link', { name: 'Fabrikam rollout' }).waitFor();
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog', { name: 'New deal' });
    await dialog.getByLabel('Label').fill('Fabrikam expansion');
    await dialog.getByLabel('Value').fill('0.1');
    await dialog.getByLabel('Stage').selectOption({ label: 'Proposal' });
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fabrikam expansion', exact: true }).waitFor();
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    expect(await api.get(`/v1/deals/${id}`)).toMatchObject({
      lead_id: fabrikamLead,
      deal_value: '0.10',
      stage_id: stage.proposal,
    });
    await open(`/leads/${fabrikamLead}`, 'Fabrikam');
    await page
      .getByRole('region', { name: 'Deals' })
      .getByRole('link', { name: 'Fabrikam expansion' })
      .waitFor();
  });

  it("New deal from Deals: choose the lead; the API's message shows next to the field", async () => {
    await open('/deals', 'Deals');
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog', { name: 'New deal' });
    await dialog.getByLabel('Find a lead').fill('Litware');
    await expect
      .poll(() => dialog.getByRole('combobox', { name: /^Lead/ }).locator('option').allTextContents())
      .toEqual(['Litware']);
    const value = dialog.getByLabel('Value');
    await value.fill('12.345');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await expect.poll(() => value.getAttribute('aria-invalid')).toBe('true');
    expect(
      await page.locator(`[id="${await value.getAttribute('aria-describedby')}"]`).textContent(),
    ).toMatch(/USD amounts have at most 2 decimals/);
    await value.fill('12.34');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await page.waitForURL(/\/deals\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const made = await api.get(`/v1/deals/${id}`);
    expect(made).toMatchObject({ deal_value: '12.34', lead: { company_name: 'Litware' } });
    await page.getByRole('heading', { level: 1, name: made.label, exact: true }).waitFor();
  });

  it('Partners shows the deal count and won value of each partner', async () => {
    await open('/partners', 'Partners');
    const row = page.getByRole('row').filter({ hasText: partnerName });
    // Fabrikam rollout, Tailspin renewal and Fabrikam expansion went through the partnership.
    await expect.poll(() => row.getByTestId('partner-deals').textContent()).toBe('3');
    // Won: Fabrikam rollout (1250.50) and Tailspin renewal (999.99).
    await row.getByText('$2,250.49').waitFor();
  });

  const PAGES = [
    { name: 'deals', path: () => '/deals', heading: 'Deals' },
    { name: 'deal-board', path: () => '/deals?layout=board', heading: 'Deals' },
    { name: 'deal', path: () => `/deals/${deal.rollout}`, heading: 'Fabrikam rollout' },
  ];

  it.each(PAGES)('$name: axe-core finds no serious or critical violation', async ({
    name,
    path,
    heading,
  }) => {
    await page.setViewportSize(DESKTOP);
    await open(path(), heading);
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SHOTS && name === 'deals') await page.screenshot({ path: `${SHOTS}/deals.png`, fullPage: true });
  });

  it.each(PAGES)('$name: readable on a 375 px wide phone', async ({ path, heading }) => {
    await page.setViewportSize(PHONE);
    await open(path(), heading);
    await expectNoHorizontalScroll(page);
    await page.setViewportSize(DESKTOP);
  });

  it('logged no script error and no CSP violation on the way', () => {
    expect(problems).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
