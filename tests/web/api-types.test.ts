import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/modules/events/events.js';
import { SCHEMA_TYPES_FILE, schemaTypes } from '../../web/scripts/api-types.js';
import { buildOpenApiDocument } from '../../web/scripts/openapi-document.js';
import { WEBHOOK_EVENTS } from '../../web/src/lib/webhook-events.js';
import { useTestApp } from '../helpers/app.js';

// The console's API types are generated from the served OpenAPI document and committed; when
// the API changes, this fails until `npm run web:types` is run (and the console still compiles).

const ctx = useTestApp();

describe('console: API types', () => {
  it('web/src/api/schema.d.ts is what the served document generates', async () => {
    const served = await ctx.t.api.get('/v1/openapi.json');
    expect(served.status).toBe(200);
    const committed = await readFile(SCHEMA_TYPES_FILE, 'utf8');
    const generated = await schemaTypes(served.body);
    expect(
      committed === generated,
      'web/src/api/schema.d.ts is stale: run `npm run web:types` and commit the result',
    ).toBe(true);
  });

  it('npm run web:types builds the same document without a database', async () => {
    const served = await ctx.t.api.get('/v1/openapi.json');
    expect(await buildOpenApiDocument()).toEqual(served.body);
  });

  it("the console's webhook event list is the API's", () => {
    expect([...WEBHOOK_EVENTS]).toEqual([...EVENT_TYPES]);
  });
});
