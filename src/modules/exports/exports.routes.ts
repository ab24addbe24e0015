import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readErrors } from '../../core/schemas.js';
import type { Db } from '../../db/database.js';
import { exportCompany } from './export.stream.js';

const tags = ['Data'];

const EXAMPLE = [
  '{"type":"export","data":{"format":"journeybee-export","version":1,"schema_version":17,"exported_at":"2026-12-01T18:00:00.000Z","company":{"id":1,"uuid":"…","name":"Acme"}}}',
  '{"type":"company","data":{"id":1,"uuid":"…","name":"Acme","domain":"acme.example",…}}',
  '{"type":"lead","data":{"id":7,"uuid":"…","company_id":1,"email":"ann@lead.example",…}}',
  '{"type":"end","data":{"counts":{"company":1,"user":3,"lead":1,…}}}',
].join('\n');

export const exportsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/export',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'exportCompany',
        tags,
        summary: "Export all of your company's data (NDJSON)",
        description: [
          'Every object of your company as newline-delimited JSON, streamed from one consistent snapshot:',
          'a header line (`{"type": "export", "data": {"format": "journeybee-export", "version": 1,',
          '"schema_version": …, "exported_at": …, "company": {…}}}`), then one line `{"type": …, "data": {…}}`',
          'per row (the database representation, ids and uuids included) in dependency order (company,',
          'users, catalogues, partnerships, contacts, leads, notes, deals, custom values, webhooks), and a last',
          'line `{"type": "end", "data": {"counts": {…}}}`: a file without it is incomplete.',
          'Secrets are never exported (webhook signing secrets, password hashes); API keys, sessions,',
          'invitations, notifications and webhook deliveries are not part of it. `journeybee import` loads',
          'the file into another instance (see docs/data.md).',
        ].join(' '),
        response: {
          200: {
            description: 'The export, streamed; the last line is `{"type": "end", …}`',
            content: { 'application/x-ndjson': { schema: z.string().meta({ example: EXAMPLE }) } },
          },
          ...readErrors,
        },
      },
    },
    async (req, reply) => {
      const day = new Date().toISOString().slice(0, 10);
      const headers = {
        'Content-Type': 'application/x-ndjson; charset=utf-8',
        'Content-Disposition': `attachment; filename="journeybee-export-${req.auth.companyId}-${day}.ndjson"`,
        'Cache-Control': 'no-store',
      };
      // HEAD: the headers only; the export is not read.
      if (req.method === 'HEAD') return reply.headers(headers).send(undefined as never);
      const lines = exportCompany(db.$client, req.auth.companyId);
      // The first line is read before the status is sent, so a failure to start (the database
      // is down) is still a JSON error; a failure later cuts the stream before its end line.
      const first = await lines.next();
      async function* rest() {
        try {
          if (!first.done) yield first.value;
          yield* lines;
        } finally {
          await lines.return(undefined);
        }
      }
      reply.headers(headers);
      return reply.send(Readable.from(rest(), { objectMode: false }) as never);
    },
  );
};
