import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeApiKey, makeCompany, makeUser } from '../helpers/factories.js';
import { invite, sendLead } from '../helpers/notifications.js';
import {
  DESKTOP,
  expectNoHorizontalScroll,
  PHONE,
  seriousAxeViolations,
  useBrowser,
  watchedPage,
} from './helpers/browser.js';
import { newPerson, signUp } from './helpers/console.js';

// The Reports page: a company with two partners (one with leads and a won deal, one invited
// and pending) sees a row per partner with the report's numbers, the totals, and the bar chart
// (Chart.js, loaded only on this page); the controls change the query.

const ctx = useTestApp();
const chrome = useBrowser();
const db = () => ctx.t.database.db;

async function partnerCompany(name: string) {
  const company = await makeCompany(db(), { name, domain: `r${uniq()}.test` });
  const admin = await makeUser(db(), company.id, { role: 'admin' });
  const write = await makeApiKey(db(), company.id, 'write', { userId: admin.id });
  const read = await makeApiKey(db(), company.id, 'read', { userId: admin.id });
  return { company, admin, writeKey: write.key, readKey: read.key, writeKeyId: write.id, readKeyId: read.id };
}

describe('console: Reports', () => {
  it('shows a row per partner, the totals and the chart; the controls change the report', async () => {
    const base = ctx.t.api.baseUrl;
    const context = await chrome.browser.newContext({ viewport: DESKTOP });
    const { page, problems, cspViolations } = await watchedPage(context);
    const person = newPerson('Northwind');
    await signUp(page, base, person);

    // The data, through the API (and the deal factory) as the signed-up company.
    const { rows } = await db().execute<{ company_id: number; id: number }>(
      sql`SELECT company_id, id FROM users WHERE email = ${person.email}`,
    );
    const me = rows[0]!;
    const key = (await makeApiKey(db(), me.company_id, 'write', { userId: me.id })).key;
    const contoso = await partnerCompany(`Contoso ${uniq()}`);
    const accepted = await invite(ctx.t.api, key, contoso);
    await accepted.answer('accept');
    const zeta = await partnerCompany(`Zeta ${uniq()}`);
    await invite(ctx.t.api, key, zeta);
    const partnershipId = accepted.mine.partnership_id as number;
    await sendLead(ctx.t.api, key, partnershipId);
    await sendLead(ctx.t.api, key, partnershipId);
    const won = await makeDealStage(db(), me.company_id, { phase: 'closed_won' });
    await makeDeal(db(), {
      owner: { companyId: me.company_id, stageId: won.id },
      partner: { companyId: contoso.company.id },
      partnershipId,
      dealValue: '1250.50',
    });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports', exact: true }).waitFor();
    const table = page.getByRole('table');
    await table.getByRole('row', { name: new RegExp(contoso.company.name) }).waitFor();
    const rowTexts = await page.getByTestId('report-row').allInnerTexts();
    expect(rowTexts).toHaveLength(2);
    // Sorted by won value: Contoso first, with its numbers.
    expect(rowTexts[0]).toContain(contoso.company.name);
    const cells = await page.getByTestId('report-row').first().getByRole('cell').allInnerTexts();
    expect(cells).toEqual(['2', '0', '1', '1', '1250.50', '0.00', '0.00', '0.00', '50%']);
    expect(rowTexts[1]).toContain(zeta.company.name);
    expect(rowTexts[1]).toContain('Pending');
    expect(await page.getByTestId('report-summary').innerText()).toContain(
      '1 won of 1 deals, 1250.50 USD won',
    );

    // The chart: drawn (some pixels painted) and described, its text alternative the table.
    const chart = page.getByRole('img', { name: /Bar chart of won value and commission \(USD\)/ });
    await chart.waitFor();
    await expect
      .poll(() =>
        chart.evaluate((element) => {
          // A DOM canvas: the test build has no DOM types.
          const canvas = element as any;
          const context2d = canvas.getContext('2d');
          if (!context2d || canvas.width === 0) return 0;
          const pixels = context2d.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          return painted;
        }),
      )
      .toBeGreaterThan(1000);

    // Controls: the sort, the currency, the range, each a new query.
    await page.getByLabel('Sort').selectOption({ label: 'Partner Z–A' });
    await expect.poll(() => page.getByTestId('report-row').first().innerText()).toContain(zeta.company.name);
    expect(page.url()).toContain('sort=-partner_name');
    await page.getByLabel('Currency').selectOption('EUR');
    await page.getByRole('img', { name: /\(EUR\)/ }).waitFor();
    await expect
      .poll(() => page.getByTestId('report-row').last().getByRole('cell').nth(4).innerText())
      .toBe('0.00');
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To').fill('2020-01-31');
    await expect
      .poll(() => page.getByTestId('report-summary').innerText())
      .toContain('2020-01-01 to 2020-01-31');
    expect(await page.getByTestId('report-row').last().getByRole('cell').first().innerText()).toBe('0');

    expect(await seriousAxeViolations(page)).toEqual([]);
    // On a phone the table scrolls in its own region, not the page.
    await page.setViewportSize(PHONE);
    await expectNoHorizontalScroll(page);
    expect(problems).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('the chart is not in the first page: its script loads only on Reports', async () => {
    const base = ctx.t.api.baseUrl;
    const context = await chrome.browser.newContext({ viewport: DESKTOP });
    const { page } = await watchedPage(context);
    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()));
    await signUp(page, base, newPerson('Fabrikam'));
    expect(scripts.some((s) => s.includes('report-chart'))).toBe(false);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    // No partners yet: the empty state, and still no chart.
    await page.getByText('No partners yet.').waitFor();
    expect(scripts.some((s) => s.includes('report-chart'))).toBe(false);
    await context.close();
  });
});
