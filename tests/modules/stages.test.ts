import { describe, expect, it } from 'vitest';
import {
  createOk,
  expectRejected,
  getOk,
  idsOf,
  invalid,
  notFound,
  unknownFields,
  useTestApp,
} from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// Stages: two pipelines in one table, ordered by series; each pipeline's own phases and
// partner_type rule; Journeybee's bulk PATCH (wrapped or as a bare array), all or nothing.

const ctx = useTestApp();
const PARTNER = '/v1/stages/partner-stages';
const DEAL = '/v1/stages/lead-deal-stages';

const partnerStage = (label: string, extra: Record<string, unknown> = {}) => ({
  label,
  partner_type: 'referral',
  ...extra,
});

describe('stages: order and series', () => {
  it('assigns series after the last stage of the same pipeline and lists by series, then id', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const a = await createOk(api, writeKey, PARTNER, partnerStage('A'));
    const b = await createOk(api, writeKey, PARTNER, partnerStage('B', { series: 10 }));
    const c = await createOk(api, writeKey, PARTNER, partnerStage('C'));
    const d = await createOk(api, writeKey, PARTNER, partnerStage('D', { series: 0 }));
    const e = await createOk(api, writeKey, PARTNER, partnerStage('E', { series: 10 }));
    expect([a.series, b.series, c.series, d.series, e.series]).toEqual([1, 10, 11, 0, 10]);
    expect(idsOf(await getOk(api, writeKey, PARTNER))).toEqual([d.id, a.id, b.id, e.id, c.id]);

    // The other pipeline counts on its own and does not show partner stages.
    const deal = await createOk(api, writeKey, DEAL, { label: 'Qualify', phase: 'discovery' });
    expect(deal.series).toBe(1);
    expect(idsOf(await getOk(api, writeKey, DEAL))).toEqual([deal.id]);
    expect((await api.get(`${DEAL}/${a.id}`, { key: writeKey })).body).toEqual(notFound('Stage'));
    expect((await api.delete(`${PARTNER}/${deal.id}`, { key: writeKey })).status).toBe(404);
  });
});

describe('stages: validation per pipeline', () => {
  const PARTNER_PHASES = 'must be one of: discovery, evaluation, active, inactive';
  const DEAL_PHASES = 'must be one of: discovery, negotiation, closed_won, closed_lost';
  const SERIES = 'must be an integer from 0 to 1000000';

  it.each([
    [PARTNER, { label: 'x' }, invalid('partner_type', 'is required')],
    [
      PARTNER,
      partnerStage('x', { partner_type: null }),
      invalid('partner_type', 'must be one of: referral, reseller'),
    ],
    [PARTNER, partnerStage('x', { phase: 'negotiation' }), invalid('phase', PARTNER_PHASES)],
    [PARTNER, partnerStage('x', { series: -1 }), invalid('series', SERIES)],
    [PARTNER, partnerStage('x', { series: 1.5 }), invalid('series', SERIES)],
    [PARTNER, partnerStage('x', { series: '3' }), invalid('series', SERIES)],
    [DEAL, { label: 'x' }, invalid('phase', 'is required')],
    [DEAL, { label: 'x', phase: 'active' }, invalid('phase', DEAL_PHASES)],
    [
      DEAL,
      { label: 'x', phase: 'closed_won', partner_type: 'agency' },
      invalid('partner_type', 'must be one of: referral, reseller, or null'),
    ],
  ])('POST %s %j → 400', async (path, body, expected) => {
    await expectRejected(ctx.t, 'POST', path, body, expected);
  });

  it('a partner stage keeps a partner_type; a deal stage may drop it', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const partner = await createOk(api, writeKey, PARTNER, partnerStage('P'));
    const cleared = await api.patch(`${PARTNER}/${partner.id}`, {
      key: writeKey,
      body: { partner_type: null },
    });
    expect(cleared.body).toEqual(invalid('partner_type', 'must be one of: referral, reseller'));
    const deal = await createOk(api, writeKey, DEAL, {
      label: 'D',
      phase: 'discovery',
      partner_type: 'reseller',
    });
    const dropped = await api.patch(`${DEAL}/${deal.id}`, { key: writeKey, body: { partner_type: null } });
    expect(dropped.status).toBe(200);
    expect(dropped.body.partner_type).toBeNull();
  });
});

describe('stages: bulk PATCH', () => {
  it.each([
    ['wrapped', (stages: unknown[]) => ({ stages })],
    ['a bare array', (stages: unknown[]) => stages],
  ])('updates label, series and phase of several stages (%s) → {"updated": [ids]}', async (_name, wrap) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const a = await createOk(api, writeKey, PARTNER, partnerStage('A'));
    const b = await createOk(api, writeKey, PARTNER, partnerStage('B'));
    const res = await api.patch(PARTNER, {
      key: writeKey,
      body: wrap([
        { id: b.id, series: 1, label: 'B first' },
        { id: a.id, series: 2, phase: 'active' },
      ]),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ updated: [b.id, a.id] });
    const list = await getOk(api, writeKey, PARTNER);
    expect(
      list.data.map((s: { label: string; series: number; phase: string }) => [s.label, s.series, s.phase]),
    ).toEqual([
      ['B first', 1, 'discovery'],
      ['A', 2, 'active'],
    ]);
  });

  it("is all or nothing: another company's id, or an invalid entry, changes nothing", async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const a = await createOk(api, mine.writeKey, PARTNER, partnerStage('A'));
    const foreign = await createOk(api, theirs.writeKey, PARTNER, partnerStage('Theirs'));
    const deal = await createOk(api, mine.writeKey, DEAL, { label: 'Deal', phase: 'discovery' });

    const res = await api.patch(PARTNER, {
      key: mine.writeKey,
      body: {
        stages: [
          { id: a.id, label: 'Changed' },
          { id: foreign.id, label: 'Mine now' },
          { id: deal.id, series: 9 },
        ],
      },
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: `Stage not found: ${foreign.id}, ${deal.id}`,
      code: 'not_found',
      details: [
        { path: 'stages[1].id', message: `no such entry: ${foreign.id}` },
        { path: 'stages[2].id', message: `no such entry: ${deal.id}` },
      ],
    });
    expect(await getOk(api, mine.writeKey, `${PARTNER}/${a.id}`)).toEqual(a);
    expect(await getOk(api, theirs.writeKey, `${PARTNER}/${foreign.id}`)).toEqual(foreign);
    expect(await getOk(api, mine.writeKey, `${DEAL}/${deal.id}`)).toEqual(deal);

    const badPhase = await api.patch(PARTNER, {
      key: mine.writeKey,
      body: [
        { id: a.id, label: 'Changed' },
        { id: a.id, phase: 'closed_won' },
      ],
    });
    expect(badPhase.status).toBe(400);
    expect(badPhase.body).toEqual(
      invalid('stages[1].phase', 'must be one of: discovery, evaluation, active, inactive'),
    );
    expect(await getOk(api, mine.writeKey, `${PARTNER}/${a.id}`)).toEqual(a);
  });

  it.each([
    [{ stages: [] }, invalid('stages', 'must list at least one entry')],
    [{ stages: [{ label: 'x' }] }, invalid('stages[0].id', 'must be a positive integer id')],
    [[{ id: 3 }, { id: 3, label: 'x' }], invalid('stages[1].id', 'is listed twice')],
    [{ stages: [{ id: 1, colour: 'red' }] }, unknownFields(['stages[0].colour'])],
    [
      { items: [] },
      {
        error: "Invalid field 'stages': is required",
        code: 'bad_request',
        details: [
          { path: 'stages', message: 'is required' },
          { path: 'items', message: "Unknown field 'items'" },
        ],
      },
    ],
    [{ stages: 'all' }, invalid('stages', 'must be an array')],
  ])('400 for %j', async (body, expected) => {
    await expectRejected(ctx.t, 'PATCH', PARTNER, body, expected);
  });

  it('needs a write key (403) and works on deal stages too', async () => {
    const { writeKey, readKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const deal = await createOk(api, writeKey, DEAL, { label: 'Deal', phase: 'discovery' });
    const denied = await api.patch(DEAL, { key: readKey, body: [{ id: deal.id, label: 'No' }] });
    expect(denied.status).toBe(403);
    const done = await api.patch(DEAL, { key: writeKey, body: [{ id: deal.id, phase: 'closed_lost' }] });
    expect(done.body).toEqual({ updated: [deal.id] });
    expect((await getOk(api, readKey, `${DEAL}/${deal.id}`)).phase).toBe('closed_lost');
  });
});
