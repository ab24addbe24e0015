import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { DESKTOP, useBrowser, watchedPage } from './helpers/browser.js';
import {
  bellLabel,
  createKeyInConsole,
  fetchInPage,
  newPerson,
  onServer,
  signUp,
} from './helpers/console.js';

// Two companies in two browsers: one invites the other as a partner, the partner's contact
// joins through the one-time link, accepts, and sees the first company's lead arrive on its
// bell without a reload. And two companies never see each other's data.

const ctx = useTestApp();
const chrome = useBrowser();

describe('console: a partnership, end to end', () => {
  it('invite partner → the link in a second browser → set a password → Accept → a lead arrives live', async () => {
    const base = ctx.t.api.baseUrl;
    const alice = await chrome.browser.newContext({ viewport: DESKTOP });
    const a = await watchedPage(alice);
    await signUp(a.page, base, newPerson('Northwind'));

    // Partners → Invite partner.
    const partnerName = `Contoso ${uniq()}`;
    const contact = `bo@contoso-${uniq()}.example`;
    await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    await a.page.getByRole('button', { name: 'Invite partner' }).click();
    const invite = a.page.getByRole('dialog', { name: 'Invite partner' });
    await invite.getByLabel('Partner company name').fill(partnerName);
    await invite.getByLabel('Email').fill(contact);
    await invite.getByLabel('First name').fill('Bo');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    const sent = a.page.getByRole('dialog', { name: 'Invitation sent' });
    const link = onServer(await sent.getByLabel(`Invitation link for ${contact}`).inputValue(), base);
    await sent.getByRole('button', { name: 'Done' }).click();
    await a.page.getByRole('row').filter({ hasText: partnerName }).getByText('Pending').waitFor();

    // The partner's contact opens the link in another browser and joins.
    const bob = await chrome.browser.newContext({ viewport: DESKTOP });
    const b = await watchedPage(bob);
    await b.page.goto(link);
    await b.page.getByRole('heading', { level: 1, name: `Join ${partnerName}` }).waitFor();
    expect(await b.page.getByLabel('Email').inputValue()).toBe(contact);
    await b.page.getByLabel('Password').fill(`Honeycomb-${uniq()}-Lattice`);
    await b.page.getByRole('button', { name: `Join ${partnerName}` }).click();
    await b.page.getByRole('heading', { level: 1, name: 'Partners', exact: true }).waitFor();
    // The link was one-time.
    const again = await chrome.browser.newContext();
    const againPage = await again.newPage();
    await againPage.goto(link);
    await againPage.getByRole('heading', { name: 'Invitation not found' }).waitFor();
    await again.close();

    // Bob accepts the pending partnership.
    const invitations = b.page.getByRole('region', { name: 'Invitations for you' });
    await invitations.getByRole('button', { name: /^Accept/ }).click();
    await b.page.getByRole('row').filter({ hasText: 'Accepted' }).waitFor();
    await a.page.reload();
    await a.page.getByRole('row').filter({ hasText: partnerName }).getByText('Accepted').waitFor();
    expect(await bellLabel(b.page)).toBe('Notifications');

    // Alice sends a lead to the partner from the New lead form.
    const leadCompany = `Fabrikam ${uniq()}`;
    await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await a.page.getByRole('link', { name: 'New lead' }).first().click();
    await a.page.getByRole('radio', { name: /^Referral/ }).check();
    await a.page.getByRole('combobox', { name: /^Partnership/ }).selectOption({ label: partnerName });
    await a.page.getByLabel(`Send to ${partnerName}`).check();
    await a.page.getByRole('group', { name: 'Partner users' }).getByRole('checkbox').first().check();
    await a.page.getByLabel('Company name').fill(leadCompany);
    await a.page.getByLabel('Email', { exact: true }).fill(`buyer@${leadCompany.split(' ')[1]}.example`);
    // Bob's page notes (its own clock: the same machine's as Alice's) when the bell first shows it.
    await b.page.evaluate(() => {
      const g = globalThis as any;
      g.__bellShownAt = undefined;
      const seen = () => {
        const bell = g.document.querySelector('[data-testid="bell"]');
        if (g.__bellShownAt === undefined && bell?.getAttribute('aria-label') === 'Notifications, 1 unread')
          g.__bellShownAt = Date.now();
      };
      new g.MutationObserver(seen).observe(g.document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['aria-label'],
      });
    });
    const sentLead = a.page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/v1/leads' && r.request().method() === 'POST',
    );
    await a.page.getByRole('button', { name: 'Create lead' }).click();
    const created = await sentLead;
    expect(created.status()).toBe(201);
    await created.finished();
    // When Alice's browser had the 201's first byte (wall clock, ms since the epoch); were the
    // timing missing, now is later than that, which only makes the measure below shorter.
    const timing = created.request().timing();
    const answeredAt = timing.responseStart >= 0 ? timing.startTime + timing.responseStart : Date.now();
    await a.page.getByRole('heading', { level: 1, name: leadCompany, exact: true }).waitFor();
    await a.page.getByText(`Sent to ${partnerName}`).waitFor();

    // Bob's bell shows it without a reload (the SSE stream), and the lead is his company's.
    await expect.poll(() => bellLabel(b.page), { timeout: 10_000 }).toBe('Notifications, 1 unread');
    // The contract is "within a second" of the 201. The bound is 3 s, not 1 s: on a loaded CI machine
    // (other test files, two browsers, the database on the same cores) a timer or an event loop can
    // lag a few hundred ms for reasons that are not the product's. A broken live path (no SSE event,
    // a poll, a reconnect) takes far longer than 3 s, and the poll above would show it anyway.
    const bellShownAt = (await b.page.evaluate(() => (globalThis as any).__bellShownAt)) as number;
    expect(bellShownAt, 'the bell never showed 1 unread').toEqual(expect.any(Number));
    const lagMs = Math.round(bellShownAt - answeredAt);
    console.log(`console: the partner's bell showed the lead ${lagMs} ms after the 201`);
    expect(lagMs).toBeLessThan(3_000);
    await b.page.getByTestId('bell').click();
    const item = b.page.getByTestId('notification-list').getByRole('listitem').first();
    await item.waitFor();
    await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await b.page.getByRole('link', { name: leadCompany }).waitFor();

    for (const w of [a, b]) {
      expect(w.problems).toEqual([]);
      expect(w.cspViolations).toEqual([]);
    }
    await alice.close();
    await bob.close();
  });

  it('two companies never see each other’s data', async () => {
    const base = ctx.t.api.baseUrl;
    const one = await chrome.browser.newContext();
    const two = await chrome.browser.newContext();
    const p1 = await one.newPage();
    const p2 = await two.newPage();
    const first = newPerson('First');
    const second = newPerson('Second');
    await signUp(p1, base, first);
    await signUp(p2, base, second);

    // The first company has a lead, a key and a user; the second sees none of them.
    const leadName = `Secret ${uniq()}`;
    await p1.getByRole('link', { name: 'New lead' }).first().click();
    await p1.getByRole('radio', { name: /^Campaign/ }).check();
    await p1.getByLabel('Company name').fill(leadName);
    await p1.getByRole('button', { name: 'Create lead' }).click();
    // No campaign exists: the API refuses, and says why next to the field or on the form.
    await p1.getByRole('alert').waitFor();
    const key = await createKeyInConsole(p1, { name: 'Private', permission: 'Write' });
    const lead = await ctx.t.api.post('/v1/leads', {
      key,
      body: { associationType: 'referral', company_name: leadName, email: `x@${uniq()}.example` },
    });
    // Referral without a partnership is refused too; make it the way a campaign would need.
    expect(lead.status).toBe(400);
    const campaign = await ctx.t.api.post('/v1/campaigns', {
      key,
      body: { title: 'Spring', status: 'active' },
    });
    expect(campaign.status).toBe(201);
    const made = await ctx.t.api.post('/v1/leads', {
      key,
      body: { associationType: 'campaigns', companyCampaignId: campaign.body.id, company_name: leadName },
    });
    expect(made.status).toBe(201);

    // Company two: its Leads page, the lead's address, its keys and its users show nothing of one.
    await p2.goto(`${base}/leads`);
    await p2.getByText('No leads yet.').waitFor();
    await p2.goto(`${base}/leads/${made.body.id}`);
    await p2.getByRole('heading', { level: 1, name: 'Lead not found', exact: true }).waitFor();
    const fromTwo = await fetchInPage(p2, 'GET', `/v1/leads/${made.body.id}`);
    expect(fromTwo.status).toBe(404);
    const keys = await fetchInPage(p2, 'GET', '/v1/api-keys');
    expect(keys.status).toBe(200);
    expect(keys.body.data.map((k: { name: string }) => k.name)).not.toContain('Private');
    const users = await fetchInPage(p2, 'GET', '/v1/users');
    expect(users.body.data.map((u: { email: string }) => u.email)).toEqual([second.email]);
    await one.close();
    await two.close();
  });
});
