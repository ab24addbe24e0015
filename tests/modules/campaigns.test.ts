import { describe, expect, it } from 'vitest';
import { createOk, expectRejected, getOk, invalid, useTestApp } from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// Campaigns' own rules: dates as YYYY-MM-DD, end on or after start (also when only one of them
// changes), and the status list. (The five verbs are in catalogues.test.ts.)

const ctx = useTestApp();
const PATH = '/v1/campaigns';
const END_BEFORE_START = invalid('end_date', 'must be on or after start_date');

describe('campaigns', () => {
  it.each([
    [{ title: 'x', start_date: '2025-05-02', end_date: '2025-05-01' }, END_BEFORE_START],
    [{ title: 'x', start_date: '2025-02-30' }, invalid('start_date', 'must be a date as YYYY-MM-DD')],
    [{ title: 'x', end_date: '2025-05-01T00:00:00Z' }, invalid('end_date', 'must be a date as YYYY-MM-DD')],
    [
      { title: 'x', status: 'archived' },
      invalid('status', 'must be one of: draft, active, paused, completed'),
    ],
    [
      { title: 'x', description: 'd'.repeat(5001) },
      invalid('description', 'must be at most 5000 characters'),
    ],
  ])('400 for %j', async (body, expected) => {
    await expectRejected(ctx.t, 'POST', PATH, body, expected);
  });

  it('takes a one-day campaign, open-ended ones and every status', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const oneDay = await createOk(ctx.t.api, writeKey, PATH, {
      title: 'Launch day',
      description: '  Big day ',
      status: 'draft',
      start_date: '2025-06-01',
      end_date: '2025-06-01',
    });
    expect(oneDay).toMatchObject({
      description: 'Big day',
      status: 'draft',
      start_date: '2025-06-01',
      end_date: '2025-06-01',
    });
    const open = await createOk(ctx.t.api, writeKey, PATH, { title: 'Always on', end_date: '2030-01-01' });
    expect(open).toMatchObject({ status: 'active', start_date: null, end_date: '2030-01-01' });
  });

  it('checks a new date against the stored other date, and lets either be cleared', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const campaign = await createOk(api, writeKey, PATH, {
      title: 'Q3',
      start_date: '2025-07-01',
      end_date: '2025-09-30',
    });
    const patch = (body: Record<string, unknown>) =>
      api.patch(`${PATH}/${campaign.id}`, { key: writeKey, body });

    expect((await patch({ end_date: '2025-06-30' })).body).toEqual(END_BEFORE_START);
    expect((await patch({ start_date: '2025-10-01' })).body).toEqual(END_BEFORE_START);
    expect((await patch({ start_date: '2025-10-01', end_date: '2025-09-01' })).body).toEqual(
      END_BEFORE_START,
    );
    expect(await getOk(api, writeKey, `${PATH}/${campaign.id}`)).toEqual(campaign);

    const moved = await patch({ start_date: '2025-10-01', end_date: '2025-12-31', status: 'completed' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      start_date: '2025-10-01',
      end_date: '2025-12-31',
      status: 'completed',
    });
    const cleared = await patch({ start_date: null, description: null });
    expect(cleared.body).toMatchObject({ start_date: null, end_date: '2025-12-31', description: null });
    expect((await patch({ start_date: '2026-01-01' })).body).toEqual(END_BEFORE_START);
  });
});
