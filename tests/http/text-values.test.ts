import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TEXT_MESSAGES } from '../../src/core/schemas.js';
import { type RequestOptions, uniq, useTestApp } from '../helpers/app.js';
import { type CustomTestApp, startCustomApp } from '../helpers/custom-app.js';
import { makeTenant } from '../helpers/factories.js';
import {
  campaignBody,
  countRows,
  createLead,
  demo,
  leadRowCounts,
  seedExampleBody,
} from '../helpers/leads.js';
import { countUsersWithEmail } from '../helpers/queries.js';
import { countTextPlaces, textGaps } from '../helpers/schema-walk.js';

// Contract row "text values": every string accepted anywhere is valid Unicode without U+0000
// (PostgreSQL cannot store it): a 400 naming the field, never a 500, and nothing written.

const ctx = useTestApp();
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

const NUL = TEXT_MESSAGES.nul;
const bad = (path: string, message: string = NUL, where = 'field') => ({
  error: `Invalid ${where} '${path}': ${message}`,
  code: 'bad_request',
  details: [{ path, message }],
});

describe('text values: every request schema refuses what PostgreSQL cannot store', () => {
  it('the walk itself finds strings that bypass the shared type', () => {
    const gaps = textGaps(
      z.strictObject({
        plain: z.string(),
        url: z.url(),
        free: z.unknown(),
        record: z.record(z.string(), z.unknown()),
        list: z.array(z.object({ deep: z.string().trim().optional() })),
        map: z.map(z.string(), z.string()),
      }),
    );
    expect(new Set(gaps.map((g) => g.path))).toEqual(
      new Set(['plain', 'url', 'free', 'record', 'list[].deep', 'map']),
    );
  });

  it('every string in every route body and query string carries the check', () => {
    const gaps: string[] = [];
    let places = 0;
    let routes = 0;
    for (const route of ctx.t.app.routeTable.routes) {
      if (route.method === 'HEAD') continue;
      // Path params are ids (tests/http/path-ids.test.ts: anything else is a 404); Node's HTTP
      // parser refuses a NUL in a header before any route sees it.
      for (const where of ['body', 'querystring'] as const) {
        const schema = route.schema?.[where] as z.ZodType | undefined;
        if (!schema) continue;
        routes++;
        places += countTextPlaces(schema);
        for (const gap of textGaps(schema))
          gaps.push(`${route.method} ${route.url} ${where} ${gap.path}: ${gap.problem}`);
      }
    }
    expect(gaps).toEqual([]);
    // The walk saw the API, not nothing: dozens of schemas, hundreds of strings.
    expect(routes).toBeGreaterThan(50);
    expect(places).toBeGreaterThan(100);
  });
});

describe('text values over HTTP', () => {
  it('?search=%00 is a 400 naming `search` on every list that searches', async () => {
    const { readKey } = await makeTenant(db());
    const lists = ctx.t.app.routeTable.routes.filter((route) => {
      const query = route.schema?.querystring as z.ZodObject | undefined;
      return route.method === 'GET' && !route.hidden && query?.shape && 'search' in query.shape;
    });
    expect(lists.map((r) => r.url).sort()).toEqual(
      [
        '/v1/contacts',
        '/v1/countries',
        '/v1/currencies',
        '/v1/deals',
        '/v1/deals/export.csv',
        '/v1/lead-deals',
        '/v1/leads',
        '/v1/leads/export.csv',
        '/v1/partners',
        '/v1/partners/export.csv',
        '/v1/partnerships',
        '/v1/reports/partners',
        '/v1/users',
      ].sort(),
    );
    for (const route of lists) {
      for (const [value, message] of [
        ['%00', NUL],
        ['acme%00', NUL],
        ['%ED%A0%80', undefined],
      ] as const) {
        const res = await api().get(`${route.url}?search=${value}`, { key: readKey });
        if (message)
          expect(res.body, `${route.url} ${value}`).toEqual(bad('search', message, 'query parameter'));
        else expect(res.status, `${route.url} ${value}`).toBeLessThan(500);
      }
      expect((await api().get(`${route.url}?search=acme`, { key: readKey })).status, route.url).toBe(200);
    }
  });

  it('a NUL in a plain text field: 400 naming it, nothing written', async () => {
    const { writeKey, company } = await makeTenant(db());
    const email = `nul-${uniq()}@example.test`;
    const cases: [Record<string, unknown>, string][] = [
      [{ email, first_name: 'Ann\u0000' }, 'first_name'],
      [{ email, position: '\u0000' }, 'position'],
      [{ email: `nul\u0000-${uniq()}@example.test` }, 'email'],
      [{ email, meeting_link: 'https://meet.example/a\u0000b' }, 'meeting_link'],
    ];
    for (const [body, path] of cases) {
      const res = await api().post('/v1/users', { key: writeKey, body });
      expect(res.status, path).toBe(400);
      expect(res.body.details[0], path).toEqual({ path, message: NUL });
    }
    expect(await countUsersWithEmail(db(), company.id, email)).toBe(0);
  });

  it('a URL with a NUL (which URL parsing alone accepts) is refused', async () => {
    const { writeKey } = await makeTenant(db());
    const res = await api().post('/v1/webhooks', {
      key: writeKey,
      body: { url: 'https://hooks.example.com/in\u0000side', events: ['leads.create'] },
    });
    expect(res.body).toEqual(bad('url'));
  });

  it('lead custom field values, free-form JSON and the partnership lead: the path inside the value', async () => {
    const { me, partner } = await demo(db());
    const before = await leadRowCounts(db());
    const body = seedExampleBody(me, partner);
    const textField = body.customFields[1]!;
    const cases: [Record<string, unknown>, string, string?][] = [
      [
        {
          ...body,
          customFields: [body.customFields[0], { ...textField, value: { text: 'High\u0000value' } }],
        },
        'customFields[1].value.text',
      ],
      [
        { ...body, customFields: [{ ...textField, value: { 'te\u0000xt': 'x' } }] },
        'customFields[0].value',
        TEXT_MESSAGES.nulKey,
      ],
      [
        { ...body, integrationCustomFields: [{ uuid: 'a', value: { list: ['ok', { deep: 'x\u0000' }] } }] },
        'integrationCustomFields[0].value.list[1].deep',
      ],
      [
        { ...body, integrationCustomFields: [{ uuid: 'a', value: '\u0000' }] },
        'integrationCustomFields[0].value',
      ],
      [
        { ...body, partnershipLead: { ...body.partnershipLead, formDirection: '\u0000' } },
        'partnershipLead.formDirection',
      ],
      [{ ...body, company_name: 'Tech\u0000Corp' }, 'company_name'],
    ];
    for (const [sent, path, message = NUL] of cases) {
      const res = await api().post('/v1/leads', { key: me.keys.write, body: sent });
      expect(res.status, path).toBe(400);
      expect(res.body.details, path).toContainEqual({ path, message });
    }
    expect(await leadRowCounts(db())).toEqual(before);
    // The same body without the NUL is stored.
    await createLead(api(), me.keys.write, body);
  });

  it('a lead note document: the path of the text node', async () => {
    const { me } = await demo(db());
    const lead = await createLead(api(), me.keys.write, campaignBody(me));
    const document = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Call \u0000back' }] }],
    };
    const res = await api().post(`/v1/leads/${lead.id}/notes`, { key: me.keys.write, body: { document } });
    expect(res.body).toEqual(bad('document.content[0].content[0].text'));
    const mention = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'mention', attrs: { label: '\u0000' } }] }],
    };
    const attrs = await api().post(`/v1/leads/${lead.id}/notes`, {
      key: me.keys.write,
      body: { document: mention },
    });
    expect(attrs.body).toEqual(bad('document.content[0].content[0].attrs.label'));
    expect(await countRows(db(), 'lead_notes', sql`lead_id = ${lead.id}`)).toBe(0);
  });

  it('an unpaired surrogate (a JSON \\uD800 escape) is refused, a paired one is stored', async () => {
    const { writeKey } = await makeTenant(db());
    const raw = (json: string): RequestOptions => ({
      key: writeKey,
      rawBody: json,
      headers: { 'content-type': 'application/json' },
    });
    const lone = await api().post(
      '/v1/users',
      raw(`{"email":"s-${uniq()}@example.test","first_name":"\\ud800"}`),
    );
    expect(lone.body).toEqual(bad('first_name', TEXT_MESSAGES.surrogate));
    const paired = await api().post(
      '/v1/users',
      raw(`{"email":"s-${uniq()}@example.test","first_name":"\\ud83d\\ude00 Ann"}`),
    );
    expect(paired.status).toBe(201);
    expect(paired.body.first_name).toBe('\u{1F600} Ann');
  });
});

describe('text values: the database error is a 400 too (safety net)', () => {
  let custom: CustomTestApp;
  beforeAll(async () => {
    custom = await startCustomApp(ctx.dbUrl, {
      configure(app, { database }) {
        // Routes without schemas, so a NUL reaches PostgreSQL as if a schema had missed it.
        app.post('/test/text', async (request) => {
          const { value } = request.body as { value: string };
          await database.db.execute(sql`SELECT ${value}::text`);
          return { ok: true };
        });
        app.post('/test/jsonb', async (request) => {
          await database.db.execute(sql`SELECT ${JSON.stringify(request.body)}::jsonb`);
          return { ok: true };
        });
      },
    });
  });
  afterAll(() => custom?.close());

  it('SQLSTATE 22021 (text) and 22P05 (jsonb) → 400, logged as a gap in the schemas', async () => {
    const text = await custom.api.post('/test/text', { body: { value: 'a\u0000b' } });
    expect(text.status).toBe(400);
    expect(text.body).toEqual({
      error: 'A text value contains a character the database cannot store (U+0000)',
      code: 'bad_request',
    });
    const jsonb = await custom.api.post('/test/jsonb', { body: { value: 'a\u0000b' } });
    expect(jsonb.status).toBe(400);
    expect(jsonb.body).toEqual(text.body);
    const warnings = custom.logs.lines.filter(
      (l) => l.msg === 'a value the database cannot store passed validation',
    );
    expect(warnings.map((l) => (l.err as { code: string }).code)).toEqual(['22021', '22P05']);
    // The valid values pass.
    expect((await custom.api.post('/test/text', { body: { value: 'ab' } })).status).toBe(200);
  });
});
