import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/modules/events/events.js';
import { TEST_EVENT_TYPE } from '../../src/modules/webhooks/webhooks.schemas.js';
import { useTestApp } from '../helpers/app.js';
import { ROOT } from '../helpers/process.js';

// The document's `webhooks` section types every event a receiver gets: each sample in
// docs/webhooks/samples (a real delivery, kept equal to what is sent by events.test.ts) must
// validate against its event's schema in the served document, formats included.

const ctx = useTestApp();
const SAMPLES = path.join(ROOT, 'docs/webhooks/samples');
const ALL_TYPES = [...EVENT_TYPES, TEST_EVENT_TYPE];

type Json = Record<string, unknown>;
interface Doc {
  webhooks?: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: Json }> } } }>;
  components: { schemas: Record<string, Json> };
}

/** `#/components/schemas/X` → `#/$defs/X`, so one JSON Schema holds every component. */
const toDefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(toDefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : toDefs(v),
    ]),
  );
};

async function eventValidator() {
  const res = await ctx.t.api.get<Doc>('/v1/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return (type: string) => {
    const schema = doc.webhooks?.[type]?.post?.requestBody?.content?.['application/json']?.schema;
    expect(schema, `webhooks['${type}'] documents no body`).toBeDefined();
    return ajv.compile({ ...(toDefs(schema) as Json), $defs: toDefs(doc.components.schemas) as Json });
  };
}

describe('openapi: webhooks', () => {
  it('documents every event type, and only those', async () => {
    const res = await ctx.t.api.get<Doc>('/v1/openapi.json');
    expect(Object.keys(res.body.webhooks ?? {}).sort()).toEqual([...ALL_TYPES].sort());
    const files = (await readdir(SAMPLES)).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(ALL_TYPES.map((t) => `${t}.json`).sort());
  });

  it.each(ALL_TYPES)('docs/webhooks/samples/%s.json fits its schema in the document', async (type) => {
    const validate = (await eventValidator())(type);
    const sample = JSON.parse(await readFile(path.join(SAMPLES, `${type}.json`), 'utf8'));
    expect(validate(sample), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('refuses a payload that does not fit: an unknown field, a wrong type, a missing field', async () => {
    const validate = (await eventValidator())('leads.create');
    const sample = JSON.parse(await readFile(path.join(SAMPLES, 'leads.create.json'), 'utf8'));
    const { lead } = sample.data;
    expect(validate({ ...sample, data: { lead: { ...lead, surprise: 1 } } })).toBe(false);
    expect(validate({ ...sample, data: { lead: { ...lead, email: 'not an email' } } })).toBe(false);
    expect(validate({ ...sample, type: 'leads.update' })).toBe(false);
    const { uuid: _uuid, ...withoutUuid } = lead;
    expect(validate({ ...sample, data: { lead: withoutUuid } })).toBe(false);
  });
});
