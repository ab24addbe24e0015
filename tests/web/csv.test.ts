import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import {
  expectNoHorizontalScroll,
  seriousAxeViolations,
  useBrowser,
  watchedPage,
} from './helpers/browser.js';
import { createKeyInConsole, newPerson, signUp } from './helpers/console.js';

// Leads → Import / Export in a real browser: upload a CSV, map a column the server cannot map
// by itself, a dry run that shows a row's problem, a corrected file (the mapping kept), the
// import, and the leads on the Leads page; the progress bar; the export link with the filters.

const ctx = useTestApp();
const chrome = useBrowser();
let page: import('playwright-core').Page;
let problems: string[];

const file = (rows: string[]) => ({
  name: 'leads.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf8'),
});

beforeAll(async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 375, height: 800 } });
  ({ page, problems } = await watchedPage(context));
  await signUp(page, ctx.t.api.baseUrl, newPerson('Importers'));
  const key = await createKeyInConsole(page, { name: 'seed', permission: 'Write' });
  const post = async (path: string, body: unknown) => {
    const res = await ctx.t.api.post(path, { key, body });
    expect(res.status, res.text).toBe(201);
  };
  await post('/v1/campaigns', { title: 'Autumn', status: 'active' });
  await post('/v1/tags', { label: 'Hot', association: 'lead' });
});

const HEADER = 'E-Mail,first_name,company_name,tags,associationType,campaign_title';

describe('console: CSV import and export', () => {
  it('upload, map a column, a dry run with a problem, fix the file, import: the leads are there', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads`);
    await page.getByRole('link', { name: 'Import / Export' }).click();
    await page.getByRole('heading', { name: 'Import / Export leads' }).waitFor();

    await page
      .getByLabel('CSV file')
      .setInputFiles(
        file([
          HEADER,
          'ann@importers.test,Ann,Acme,Hot,campaigns,Autumn',
          'bob@importers.test,Bob,Bobco,Nope,campaigns,Autumn',
        ]),
      );
    // The server's own mapping, from the first dry run: E-Mail is no field name.
    const emailColumn = page.getByLabel('Field for column E-Mail');
    await expect.poll(() => emailColumn.inputValue()).toBe('');
    expect(await page.getByLabel('Field for column campaign_title').inputValue()).toBe('campaign');
    await expect.poll(() => page.getByRole('progressbar', { name: 'Import progress' }).count()).toBe(1);

    await emailColumn.selectOption('email');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const problemsTable = page.getByRole('region', { name: 'Problems' });
    await expect
      .poll(() => problemsTable.locator('tbody tr').allInnerTexts())
      .toEqual([expect.stringMatching(/^3\s+tags\s+no lead tag in your company labelled 'Nope'$/)]);
    await page.getByText('2 rows: 1 valid, 1 with problems').waitFor();

    // The corrected file: its E-Mail column stays mapped to Email.
    await page
      .getByLabel('CSV file')
      .setInputFiles(
        file([
          HEADER,
          'ann@importers.test,Ann,Acme,Hot,campaigns,Autumn',
          'bob@importers.test,Bob,Bobco,Hot,campaigns,Autumn',
        ]),
      );
    await page.getByText('2 rows: 2 valid, 0 with problems — ready to import.').waitFor();
    expect(await emailColumn.inputValue()).toBe('email');

    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported 2 leads.').waitFor();
    await page.getByRole('link', { name: 'See the leads' }).click();
    await expect
      .poll(() => page.locator('table tbody tr td:first-child').allTextContents())
      .toEqual(expect.arrayContaining(['Acme', 'Bobco']));
    expect(problems).toEqual([]);
  });

  it("the export link carries the Leads page's filters, and downloads a CSV", async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads?status=new&search=acme`);
    await page.getByRole('link', { name: 'Import / Export' }).click();
    const link = page.getByRole('link', { name: 'Export CSV' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toBe('/v1/leads/export.csv?search=acme&status=new');
    // The session cookie authenticates the download.
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    expect(csv.split('\r\n')[0]).toMatch(/^id,uuid,company_name,email,/);
    expect(csv).toContain('ann@importers.test');
    expect(csv).not.toContain('bob@importers.test');
  });

  it('every control has an accessible name, axe finds nothing serious, the keyboard reaches the buttons, nothing overflows at 375 px', async () => {
    await page.goto(`${ctx.t.api.baseUrl}/leads/import`);
    await page.getByLabel('CSV file').waitFor();
    await expectNoHorizontalScroll(page);
    // With a file's mapping and report on the page.
    await page
      .getByLabel('CSV file')
      .setInputFiles(file([HEADER, 'carl@importers.test,Carl,Carlco,Nope,campaigns,Autumn']));
    await page.getByRole('region', { name: 'Problems' }).waitFor();
    const unnamed = await page.evaluate(() => {
      const { document } = globalThis as any;
      return [...document.querySelectorAll('main input, main select, main button, main a, main progress')]
        .filter((el: any) => {
          const labelled = el.id && document.querySelector(`label[for="${el.id}"]`);
          return !labelled && !el.getAttribute('aria-label') && !(el.textContent ?? '').trim();
        })
        .map((el: any) => el.outerHTML);
    });
    expect(unnamed).toEqual([]);
    expect(await page.getByRole('combobox').count()).toBe(6);
    await expectNoHorizontalScroll(page);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Keyboard: from Export CSV, Tab reaches the file input, each column's select, then both buttons.
    const reached: string[] = [];
    await page.getByRole('link', { name: 'Export CSV' }).focus();
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const el = (globalThis as any).document.activeElement;
          if (el?.id === 'csv-file') return 'file';
          if (el?.tagName === 'SELECT') return 'select';
          return el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '';
        }),
      );
    }
    expect(reached.slice(0, 10)).toEqual([
      'file',
      'Column mapping',
      'select',
      'select',
      'select',
      'select',
      'select',
      'select',
      'Dry run',
      'Import',
    ]);
  });
});
