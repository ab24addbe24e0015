import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/modules/events/events.js';
import { TEST_EVENT_TYPE } from '../../src/modules/webhooks/webhooks.schemas.js';
import type { ApiClient } from '../helpers/app.js';
import { ISO_TIMESTAMP, UUID } from '../helpers/catalogue-api.js';
import { entry, setTierCommission } from '../helpers/deal-commands.js';
import { makeDealStage } from '../helpers/deal-factories.js';
import { createLead, demo, seedExampleBody } from '../helpers/leads.js';
import { invitePartner } from '../helpers/partners.js';
import { ROOT } from '../helpers/process.js';
import { createWebhook, type Received, Receiver, useWebhookServer, verify } from '../helpers/webhooks.js';

// Every event type through the real pipeline: the partner's copy of a lead reaches the
// partner's webhook, and what each event really sends matches docs/webhooks/samples/<type>.json.
// UPDATE_WEBHOOK_SAMPLES=1 rewrites the samples from what the API sent (then review the diff).

const ctx = useWebhookServer();
const SAMPLES = path.join(ROOT, 'docs/webhooks/samples');
const ALL_TYPES = [...EVENT_TYPES, TEST_EVENT_TYPE];

const note = (text: string) => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

async function ok(api: ApiClient, method: string, url: string, key: string, body?: unknown) {
  const res = await api.request(method, url, { key, body });
  expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** Key paths and value kinds, where both sides have them: the "shape" a sample documents. */
function shapeDiff(actual: unknown, sample: unknown, at = 'payload'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (actual === null || sample === null) return [];
  if (kind(actual) !== kind(sample)) return [`${at}: ${kind(actual)} sent, ${kind(sample)} in the sample`];
  if (Array.isArray(actual) && Array.isArray(sample)) {
    return actual.length && sample.length ? shapeDiff(actual[0], sample[0], `${at}[0]`) : [];
  }
  if (kind(actual) !== 'object') return [];
  const a = actual as Record<string, unknown>;
  const s = sample as Record<string, unknown>;
  const problems = [
    ...Object.keys(a)
      .filter((k) => !(k in s))
      .map((k) => `${at}.${k}: sent but not in the sample`),
    ...Object.keys(s)
      .filter((k) => !(k in a))
      .map((k) => `${at}.${k}: in the sample but not sent`),
  ];
  for (const k of Object.keys(a)) if (k in s) problems.push(...shapeDiff(a[k], s[k], `${at}.${k}`));
  return problems;
}

describe('docs/webhooks/samples', () => {
  it.each(ALL_TYPES)('%s.json parses and has the {id, type, timestamp, data} envelope', async (type) => {
    const sample = JSON.parse(await readFile(path.join(SAMPLES, `${type}.json`), 'utf8'));
    expect(Object.keys(sample)).toEqual(['id', 'type', 'timestamp', 'data']);
    expect(sample.id).toMatch(UUID);
    expect(sample.type).toBe(type);
    expect(sample.timestamp).toMatch(ISO_TIMESTAMP);
    expect(typeof sample.data).toBe('object');
    expect(Object.keys(sample.data).length).toBeGreaterThan(0);
  });
});

describe('events through webhooks', () => {
  it("the partner's webhook receives leads.create for its copy of a lead, and the signature verifies", async () => {
    const { me, partner } = await demo(ctx.db);
    const mine = await Receiver.start();
    const theirs = await Receiver.start();
    try {
      const myHook = await createWebhook(ctx.s.api, me.keys.write, {
        url: mine.url,
        events: ['leads.create'],
      });
      const partnerHook = await createWebhook(ctx.s.api, partner.keys.write, {
        url: theirs.url,
        events: ['leads.create'],
      });
      const body = seedExampleBody(me, partner);
      const created = await createLead(ctx.s.api, me.keys.write, body);

      const [forPartner] = await theirs.waitForCount(1);
      const [forMe] = await mine.waitForCount(1);
      const got = verify(partnerHook.secret, forPartner!);
      expect(got.type).toBe('leads.create');
      // The partner's own lead (its copy), received from us over the partnership.
      expect(got.data.lead.uuid).not.toBe(created.uuid);
      expect(got.data.lead).toMatchObject({ email: body.email, company_name: body.company_name });
      expect(got.data.lead.received_from_company).toEqual([
        expect.objectContaining({ company_name: me.name, partner_type: 'referral' }),
      ]);
      expect(() => verify(myHook.secret, forPartner!)).toThrow();

      const ours = verify(myHook.secret, forMe!);
      expect(ours.data.lead.uuid).toBe(created.uuid);
      expect(ours.data.lead.sent_to_companies).toEqual([
        expect.objectContaining({ company_name: partner.name }),
      ]);
      expect(ours.id).not.toBe(got.id);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('every event type is delivered, shaped as its sample', async () => {
    const { me, partner } = await demo(ctx.db);
    const key = me.keys.write;
    const receiver = await Receiver.start();
    try {
      const hook = await createWebhook(ctx.s.api, key, { url: receiver.url, events: [...EVENT_TYPES] });
      const api = ctx.s.api;

      await ok(api, 'POST', '/v1/users', key, {
        email: `new.user-${Date.now()}@${me.domain}`,
        first_name: 'Nia',
      });
      const invited = await invitePartner(api, key);
      await ok(api, 'PATCH', `/v1/partners/${invited.id}`, key, { tierId: null, categoryId: null });
      const contact = await ok(api, 'POST', '/v1/contacts', key, {
        email: `sam-${Date.now()}@${partner.domain}`,
        first_name: 'Sam',
        partnership_id: me.partners[0]!.id,
      });
      await ok(api, 'PATCH', `/v1/contacts/${contact.id}`, key, { position: 'Head of Partnerships' });
      const lead = await createLead(api, key, seedExampleBody(me, partner));
      await ok(api, 'PATCH', `/v1/leads/${lead.id}`, key, { status: 'contacted' });
      const created = await ok(api, 'POST', `/v1/leads/${lead.id}/notes`, key, {
        document: note('Called them'),
      });
      await ok(api, 'PATCH', `/v1/leads/${lead.id}/notes/${created.id}`, key, {
        document: note('Demo booked'),
      });
      await ok(api, 'DELETE', `/v1/leads/${lead.id}/notes/${created.id}`, key);
      // A partnership deal on the lead, made at a payment stage its tier's commission names.
      const payStage = await makeDealStage(ctx.db, me.id, { pipeline: 'payment', label: 'Invoiced' });
      await setTierCommission(ctx.db, me.id, me.partners[0]!.partnership_id, {
        entries: [entry(payStage.id, 'percentage', '10')],
      });
      await ok(api, 'POST', '/v1/stages/lead-deal-stages', key, {
        label: 'Discovery call',
        phase: 'discovery',
      });
      const dealTag = await ok(api, 'POST', '/v1/tags', key, {
        label: 'Enterprise',
        association: 'lead_deal',
      });
      const seats = await ok(api, 'POST', '/v1/custom-fields', key, {
        label: 'Seats',
        type: 'number',
        category: 'lead_deal',
      });
      const deal = await ok(api, 'POST', '/v1/deals', key, {
        lead_id: lead.id,
        label: 'Annual plan',
        deal_value: '1250.50',
        payment_stage_id: payStage.id,
        tags: [dealTag.id],
        assignedUsers: [me.users[0]!.id],
        customFields: [{ customFieldId: seats.id, type: 'number', value: { number: 25 } }],
      });
      await ok(api, 'PATCH', `/v1/deals/${deal.id}`, key, { expiration_date: '2026-12-31' });
      await ok(api, 'DELETE', `/v1/deals/${deal.id}`, key);
      // A second deal: its notes, its commission set again, a payment completed (the lead's delete takes it).
      const other = await ok(api, 'POST', '/v1/deals', key, {
        lead_id: lead.id,
        payment_stage_id: payStage.id,
      });
      const dealNote = await ok(api, 'POST', `/v1/deals/${other.id}/notes`, key, {
        document: note('Signed'),
      });
      await ok(api, 'PATCH', `/v1/deals/${other.id}/notes/${dealNote.id}`, key, {
        document: note('Countersigned'),
      });
      await ok(api, 'DELETE', `/v1/deals/${other.id}/notes/${dealNote.id}`, key);
      await ok(api, 'PUT', `/v1/deals/${other.id}/commission`, key, {
        calculation: { entries: [entry(payStage.id, 'percentage', '10')] },
      });
      const [payment] = await ok(api, 'GET', `/v1/deals/${other.id}/payments`, key);
      await ok(api, 'PATCH', `/v1/deals/${other.id}/payments/${payment.id}`, key, {
        payment_completed: true,
      });
      await ok(api, 'DELETE', `/v1/leads/${lead.id}`, key);
      await ok(api, 'POST', `/v1/webhooks/${hook.id}/test`, key);

      const firstOf = new Map<string, Received>();
      const missing = () => ALL_TYPES.filter((t) => !firstOf.has(t));
      const deadline = Date.now() + 10_000;
      while (missing().length > 0 && Date.now() < deadline) {
        for (const r of receiver.received) if (!firstOf.has(r.json.type)) firstOf.set(r.json.type, r);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(missing(), 'event types never delivered').toEqual([]);

      const problems: string[] = [];
      for (const type of ALL_TYPES) {
        const sent = verify(hook.secret, firstOf.get(type)!);
        const file = path.join(SAMPLES, `${type}.json`);
        if (process.env.UPDATE_WEBHOOK_SAMPLES === '1') {
          await writeFile(file, `${JSON.stringify(sent, null, 2)}\n`);
          continue;
        }
        const sample = JSON.parse(await readFile(file, 'utf8'));
        problems.push(...shapeDiff(sent, sample, type));
      }
      expect(problems).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
