import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver, useWebhookServer, verify } from '../helpers/webhooks.js';
import { useBrowser } from './helpers/browser.js';
import { newPerson, openSettingsTab, signUp } from './helpers/console.js';

// Settings → Webhooks on the production server (app + delivery worker): an endpoint added in
// the console gets signed deliveries; its secret is shown once; failed deliveries show their
// attempts and go again with Retry.

const ctx = useWebhookServer();
const chrome = useBrowser();
let receiver: Receiver;
beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(() => receiver.close());

describe('console: webhooks', () => {
  it('Add endpoint → secret shown once → a test event fails, its attempts show → Retry delivers it', async () => {
    const base = ctx.s.api.baseUrl;
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await signUp(page, base, newPerson('Hooks'));
    await openSettingsTab(page, 'Webhooks');

    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add endpoint' });
    await dialog.getByLabel('URL').fill(`${receiver.url}/hook`);
    await dialog.getByLabel('Description').fill('CRM bridge');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const added = page.getByRole('dialog', { name: 'Endpoint added' });
    await added.getByText('you will not see it again').waitFor();
    const secret = await added.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await added.getByRole('button', { name: 'Done' }).click();

    // The receiver refuses everything at first: the delivery uses its attempts and fails.
    receiver.reply = () => 500;
    await page.getByRole('link', { name: `${receiver.url}/hook` }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await receiver.waitForCount(3);
    const row = page.getByRole('row').filter({ hasText: 'webhooks.test' }).first();
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.getByText('failed').count();
      })
      .toBe(1);
    await row.getByRole('button', { name: /3 attempts/ }).click();
    const attempts = page.locator('ol.attempts > li');
    expect(await attempts.count()).toBe(3);
    expect(await attempts.first().textContent()).toContain('500');

    // Retry, now that the receiver answers 200.
    receiver.reply = () => 200;
    await row.getByRole('button', { name: /^Retry/ }).click();
    await page.getByText('queued again').waitFor();
    const delivered = await receiver.waitForCount(4);
    expect(verify(secret, delivered[3]!)).toMatchObject({ type: 'webhooks.test' });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.getByText('succeeded').count();
      })
      .toBe(1);
    await context.close();
  });
});
