import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import { customFields, stages, tags, tiers } from '../../src/db/schema/index.js';
import { assertOwned, resolveOwnedUuid } from '../../src/modules/catalogues/index.js';
import { createOk, useTestApp } from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// The helpers other modules use to check that ids in a body are the caller's company's
// (a partner's tierId, a lead's tags): a 400 naming the field and the offending ids.

const ctx = useTestApp();

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('assertOwned', () => {
  it("passes for the company's own ids (repeats and none included) and names the others", async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const db = ctx.t.database.db;
    const a = await createOk(ctx.t.api, mine.writeKey, '/v1/tags', { label: 'A', association: 'lead' });
    const b = await createOk(ctx.t.api, mine.writeKey, '/v1/tags', { label: 'B', association: 'lead' });
    const foreign = await createOk(ctx.t.api, theirs.writeKey, '/v1/tags', {
      label: 'A',
      association: 'lead',
    });

    await assertOwned(db, tags, mine.company.id, [a.id, b.id, a.id], 'tags');
    await assertOwned(db, tags, mine.company.id, [], 'tags');

    const err = await rejection(
      assertOwned(db, tags, mine.company.id, [a.id, foreign.id, 2_000_000_000], 'tags'),
    );
    expect(err.status).toBe(400);
    expect(err.toBody()).toEqual({
      error: `Invalid field 'tags': Unknown tag id(s) for your company: ${foreign.id}, 2000000000`,
      code: 'bad_request',
      details: [{ path: 'tags', message: `Unknown tag id(s) for your company: ${foreign.id}, 2000000000` }],
    });
  });

  it('names the table in the singular and takes an extra condition', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const db = ctx.t.database.db;
    const tier = await createOk(ctx.t.api, writeKey, '/v1/tiers', { label: 'Gold' });
    const field = await createOk(ctx.t.api, writeKey, '/v1/custom-fields', {
      label: 'F',
      type: 'text',
      category: 'lead',
    });
    const dealStage = await createOk(ctx.t.api, writeKey, '/v1/stages/lead-deal-stages', {
      label: 'S',
      phase: 'discovery',
    });

    await assertOwned(db, tiers, company.id, [tier.id], 'tierId');
    const wrongTable = await rejection(
      assertOwned(db, customFields, company.id, [tier.id + 1_000_000], 'customFields[0].customFieldId'),
    );
    expect(wrongTable.details).toEqual([
      {
        path: 'customFields[0].customFieldId',
        message: `Unknown custom field id(s) for your company: ${tier.id + 1_000_000}`,
      },
    ]);
    await assertOwned(db, customFields, company.id, [field.id], 'customFields[0].customFieldId');
    const wrongPipeline = await rejection(
      assertOwned(db, stages, company.id, [dealStage.id], 'stageId', {
        where: eq(stages.pipeline, 'partner'),
      }),
    );
    expect(wrongPipeline.message).toBe(
      `Invalid field 'stageId': Unknown stage id(s) for your company: ${dealStage.id}`,
    );
  });
});

describe('resolveOwnedUuid', () => {
  it("returns the id of the company's own row, and a 400 for anything else", async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const db = ctx.t.database.db;
    const stage = await createOk(ctx.t.api, mine.writeKey, '/v1/stages/partner-stages', {
      label: 'S',
      partner_type: 'referral',
    });
    const foreign = await createOk(ctx.t.api, theirs.writeKey, '/v1/stages/partner-stages', {
      label: 'S',
      partner_type: 'referral',
    });
    const partnerPipeline = { where: eq(stages.pipeline, 'partner') };

    expect(
      await resolveOwnedUuid(db, stages, mine.company.id, stage.uuid, 'stageUuid', partnerPipeline),
    ).toBe(stage.id);
    for (const uuid of [foreign.uuid, 'not-a-uuid']) {
      const err = await rejection(
        resolveOwnedUuid(db, stages, mine.company.id, uuid, 'stageUuid', partnerPipeline),
      );
      expect(err.toBody()).toEqual({
        error: `Invalid field 'stageUuid': Unknown stage uuid for your company: ${uuid}`,
        code: 'bad_request',
        details: [{ path: 'stageUuid', message: `Unknown stage uuid for your company: ${uuid}` }],
      });
    }
  });
});
