import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { ROOT } from '../helpers/process.js';

// What a client developer does with the served document: generate types with openapi-typescript
// and call the API with openapi-fetch, under `strict`, with no cast and no `any`. The
// `@ts-expect-error` lines prove the types are precise: a required field left out, a wrong
// query type or an unknown path must not compile. If the document regressed (an action that
// needs `body: {}` again, an operation or field missing, a response untyped) this fails.

const ctx = useTestApp();

const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths, webhooks } from './schema';

const client = createClient<paths>({
  baseUrl: 'http://127.0.0.1:3000',
  headers: { Authorization: 'Bearer jb_api_example' },
});

// The seed's Create Lead body (003).
const seedLead: components['schemas']['CreateLead'] = {
  company_name: 'TechCorp Solutions',
  email: 'contact@techcorp.com',
  phone_number: '+1-555-123-4567',
  first_name: 'John',
  last_name: 'Smith',
  source: 'partnership',
  associationType: 'referral',
  partnershipLead: {
    partnership_id: 456,
    partners_company_id: 234,
    company_partnerships_id: 789,
    sendToPartner: true,
    partnerUsers: [567, 890],
  },
  tags: [10, 11],
  customFields: [
    { customFieldId: 5, type: 'number', value: { number: 100000 } },
    { customFieldId: 6, type: 'text', value: { text: 'High-value prospect from referral' } },
  ],
  attributions: [{ id: 3, attributedDate: '2024-01-15T10:30:00Z' }],
};

export async function tour(): Promise<string[]> {
  const seen: string[] = [];

  const list = await client.GET('/v1/leads', {
    params: { query: { status: 'new,contacted', tags: '10,11', view: 'sent', sort: '-created_at', pageSize: 20 } },
  });
  if (list.data) {
    const total: number = list.data.meta['record-count'];
    seen.push(String(total));
    for (const lead of list.data.data) {
      const email: string | null = lead.email;
      seen.push(lead.uuid, lead.status, email ?? '', ...lead.tags.map((t) => t.label));
    }
  }
  if (list.error) seen.push(list.error.error);

  const created = await client.POST('/v1/leads', {
    body: seedLead,
    headers: { 'Idempotency-Key': 'create-techcorp-1' },
  });
  if (created.error) seen.push(created.error.error, created.error.code);
  if (created.data) {
    const id: number = created.data.id;
    const partnershipLeadId: number | null = created.data.partnershipLeadId;
    seen.push(created.data.uuid, String(partnershipLeadId));

    const lead = await client.GET('/v1/leads/{id}', { params: { path: { id } } });
    if (lead.data) {
      for (const field of lead.data.custom_fields) {
        const value = field.value;
        if ('number' in value) seen.push(String(value.number));
        if ('text' in value) seen.push(value.text);
      }
      seen.push(lead.data.association_type, ...lead.data.notes.map((n) => n.uuid));
    }
  }

  // An action needs no body.
  const accepted = await client.POST('/v1/partnerships/{id}/accept', { params: { path: { id: 3 } } });
  if (accepted.data) seen.push(accepted.data.partnership.status, accepted.data.partner.name);
  const read = await client.POST('/v1/notifications/read-all');
  if (read.data) seen.push(String(read.data.updated));

  const hook = await client.POST('/v1/webhooks', {
    body: { url: 'https://hooks.example.com/journeybee', events: ['leads.create', 'leads.update'] },
  });
  if (hook.data) {
    const secret: string = hook.data.secret;
    seen.push(secret, ...hook.data.events);
  }

  // @ts-expect-error associationType is required
  await client.POST('/v1/leads', { body: { email: 'contact@techcorp.com' } });
  // @ts-expect-error pageSize is a number
  await client.GET('/v1/leads', { params: { query: { pageSize: 'ten' } } });
  // @ts-expect-error no such operation
  await client.GET('/v1/no-such-thing');
  // @ts-expect-error a custom field value has one of the documented shapes
  await client.PATCH('/v1/leads/{id}', { params: { path: { id: 7 } }, body: { customFields: [{ customFieldId: 5, type: 'number', value: { amount: 1 } }] } });

  return seen;
}

/** A receiver types what it gets from the document's webhooks section too. */
type LeadCreated = webhooks['leads.create']['post']['requestBody']['content']['application/json'];
export function onLeadCreated(event: LeadCreated): string {
  const from = event.data.lead.received_from_company.map((c) => c.company_name);
  return [event.type, event.data.lead.uuid, event.data.lead.email ?? '', ...from].join(' ');
}
`;

/** Casts and `any` would let anything compile: the client must have none. */
function loosenings(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node))
      found.push(`cast: ${node.getText(source)}`);
    if (node.kind === ts.SyntaxKind.AnyKeyword) found.push(`any: ${node.parent.getText(source)}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('openapi: a generated client', () => {
  it('openapi-typescript + openapi-fetch: compiles under --strict, without casts or any', async () => {
    const res = await ctx.t.api.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    const schema = astToString(await openapiTS(res.body));
    const dir = await mkdtemp(path.join(tmpdir(), 'jb-client-'));
    try {
      await writeFile(path.join(dir, 'schema.d.ts'), schema);
      await writeFile(path.join(dir, 'client.ts'), CLIENT);
      await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      const program = ts.createProgram([path.join(dir, 'client.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
        skipLibCheck: true,
      });
      const errors = ts
        .getPreEmitDiagnostics(program)
        .map(
          (d) =>
            `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      expect(errors).toEqual([]);
      const client = program.getSourceFile(path.join(dir, 'client.ts'));
      expect(client).toBeDefined();
      expect(loosenings(client!)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // A whole TypeScript program: seconds on a quiet machine, more on a busy one.
  }, 120_000);
});
