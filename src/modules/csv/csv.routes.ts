import { safeParse as parseContentType } from 'fast-content-type-parse';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../core/errors.js';
import { errorBody, inputString, objectId, readErrors, writeErrors } from '../../core/schemas.js';
import type { Db } from '../../db/database.js';
import { type DealReadService, ListDealsQuery } from '../deals/index.js';
import { ListLeadsQuery } from '../leads/index.js';
import { ListPartnersQuery } from '../partners/index.js';
import { exportDeals, exportLeads, exportPartners, type PartnerList } from './csv.export.js';
import { csvFileName, csvStream } from './csv.format.js';
import { IMPORT_BODY_LIMIT, importLeads, MAX_IMPORT_ROWS, PLAIN_TARGETS } from './csv.import.js';

// CSV export of leads, partners and deals, and CSV import of leads. The import route is the
// only one that takes `text/csv`: its parser is registered in this plugin's scope only.

export interface CsvRoutesOptions {
  db: Db;
  partners: PartnerList;
  dealReads: DealReadService;
}

const FORMULA_NOTE =
  'Cells that begin with `=`, `+`, `-`, `@`, TAB or CR get a leading apostrophe, so a spreadsheet shows them as text and never runs them as a formula.';

const csvResponse = (what: string) => ({
  200: {
    description: `${what} as CSV: UTF-8 with a BOM, RFC 4180 (CRLF), a header row`,
    content: {
      'text/csv': {
        schema: z
          .string()
          .meta({ example: '\uFEFFid,uuid,company_name,email\r\n7,3f6c…,Acme,a@acme.test\r\n' }),
      },
    },
  },
  ...readErrors,
});

function sendCsv(reply: FastifyReply, what: string, records: AsyncIterable<string[]>) {
  reply.headers({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${csvFileName(what)}"`,
    'Cache-Control': 'no-store',
  });
  return reply.send(csvStream(records));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const ImportQuery = z.strictObject({
  dry_run: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true')
    .describe('true: check every row and report, write nothing'),
  mapping: inputString()
    .max(20_000, { error: 'must be at most 20000 characters' })
    .optional()
    .describe(
      `A JSON object from CSV header to target field: one of ${PLAIN_TARGETS.join(', ')}, \`custom:<label>\` for a lead custom field, or null / "" to ignore the column. Headers it does not name map automatically: a header equal to a target (or \`association_type\`, \`campaign_title\`, \`phone\`) or to a custom field's label.`,
    ),
});

const RowError = z.object({
  row: z.number().int().min(2).describe('The row as a spreadsheet numbers it (the header is row 1)'),
  column: z.string().nullable().describe('The CSV header of the cell (null: no column holds the field)'),
  field: z.string().nullable().describe('The target field'),
  error: z.string(),
});

const ImportReport = z
  .object({
    dry_run: z.boolean(),
    rows: z.number().int().min(0),
    valid: z.number().int().min(0),
    invalid: z.number().int().min(0),
    errors: z.array(RowError),
    columns: z
      .record(z.string(), z.string().nullable())
      .describe('Each header and its target (null: ignored)'),
  })
  .meta({ id: 'LeadImportReport' });

const ImportRefused = ImportReport.extend({ error: z.string(), code: z.string() }).meta({
  id: 'LeadImportRefused',
});

const Imported = z
  .object({
    dry_run: z.literal(false),
    imported: z.number().int().min(1),
    ids: z.array(objectId).describe('The new leads, in the order of the rows'),
    columns: z.record(z.string(), z.string().nullable()),
  })
  .meta({ id: 'LeadImportDone' });

function parseMapping(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(
      'bad_request',
      'Invalid query parameter \'mapping\': must be a JSON object such as {"E-mail": "email"}',
      [{ path: 'mapping', message: 'must be a JSON object such as {"E-mail": "email"}' }],
    );
  }
  return value as Record<string, unknown>;
}

export const csvRoutes: FastifyPluginAsyncZod<CsvRoutesOptions> = async (
  app,
  { db, partners, dealReads },
) => {
  // The import's body: UTF-8 text (a BOM is dropped by the decoder), as the JSON parser checks it.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT },
    (request, body, done) => {
      const { type, parameters } = parseContentType(request.headers['content-type'] ?? '');
      const charset = parameters.charset?.toLowerCase();
      if (type !== 'text/csv' || (charset !== undefined && charset !== 'utf-8')) {
        done(new ApiError('unsupported_media_type', 'Content-Type must be text/csv (UTF-8)'), undefined);
        return;
      }
      try {
        done(null, strictUtf8.decode(body as Buffer));
      } catch {
        done(new ApiError('bad_request', 'Request body is not valid UTF-8'), undefined);
      }
    },
  );

  app.get(
    '/leads/export.csv',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'exportLeadsCsv',
        tags: ['Leads'],
        summary: 'Export leads as CSV',
        description: `The leads \`GET /v1/leads\` lists with the same filters (all of them, not a page), in id order, with one column per lead custom field (named by its label; options by label, several joined by "; "). Tags are their labels and users their emails, joined by "; ". ${FORMULA_NOTE}`,
        querystring: ListLeadsQuery.omit({ page: true, pageSize: true, sort: true }),
        response: csvResponse('The leads'),
      },
    },
    async (req, reply) => sendCsv(reply, 'leads', await exportLeads(db, req.auth, req.query)),
  );

  app.get(
    '/partners/export.csv',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'exportPartnersCsv',
        tags: ['Partners'],
        summary: 'Export partners as CSV',
        description: `The partners \`GET /v1/partners\` lists with the same filters and sort (all of them), with one column per partner custom field (by label). Nested objects are dotted columns (\`partner.name\`); stage, tier and category are their labels. ${FORMULA_NOTE}`,
        querystring: ListPartnersQuery.omit({ page: true, pageSize: true }),
        response: csvResponse('The partners'),
      },
    },
    async (req, reply) => sendCsv(reply, 'partners', await exportPartners(db, partners, req.auth, req.query)),
  );

  app.get(
    '/deals/export.csv',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'exportDealsCsv',
        tags: ['Deals'],
        summary: 'Export deals as CSV',
        description: `The deals \`GET /v1/deals\` lists with the same filters and sort (all of them), with one column per \`lead_deal\` custom field (by label). ${FORMULA_NOTE}`,
        querystring: ListDealsQuery.omit({ page: true, pageSize: true }),
        response: csvResponse('The deals'),
      },
    },
    async (req, reply) => sendCsv(reply, 'deals', await exportDeals(db, dealReads, req.auth, req.query)),
  );

  app.post(
    '/leads/import',
    {
      config: { role: 'member' },
      bodyLimit: IMPORT_BODY_LIMIT,
      // A JSON body parses (its parser is the API's), but is not a CSV file: 415, not a 400.
      preValidation: async (req) => {
        if (typeof req.body !== 'string') {
          throw new ApiError('unsupported_media_type', 'Content-Type must be text/csv (UTF-8)');
        }
      },
      schema: {
        operationId: 'importLeadsCsv',
        tags: ['Leads'],
        summary: 'Import leads from CSV',
        description: [
          `A \`text/csv\` file (UTF-8, a BOM is fine, at most 20 MiB and ${MAX_IMPORT_ROWS} rows): a header row, then one lead a row.`,
          'Each row becomes a Create Lead body through the column mapping and is checked exactly as `POST /v1/leads` checks one',
          '(its fields, association, campaign, partnership, custom fields and their required rule), plus the duplicate rule: an email',
          'twice in the file, or of a live lead of your company. Tags and select options are given by label (several joined by ";").',
          '`dry_run=true` answers the report and writes nothing. A real run writes every lead, each with its `leads.create` event,',
          'in one transaction, or, if any row fails, nothing (400 with the report).',
        ].join(' '),
        querystring: ImportQuery,
        consumes: ['text/csv'],
        body: inputString().describe('The CSV file: a header row, then one lead a row'),
        response: {
          200: ImportReport.describe('The dry run report'),
          201: Imported.describe('Every row was imported'),
          ...writeErrors,
          400: z
            .union([ImportRefused, errorBody])
            .describe('Some rows fail (the report, nothing written), or the file or mapping is unusable'),
          409: errorBody.describe(
            'A lead with one of the emails was created during the import: nothing written',
          ),
          413: errorBody.describe(`More than 20 MiB or ${MAX_IMPORT_ROWS} rows`),
          415: errorBody.describe('Content-Type must be text/csv (UTF-8)'),
        },
      },
    },
    async (req, reply) => {
      const result = await importLeads(db, req.auth, req.body, {
        dryRun: req.query.dry_run,
        mapping: parseMapping(req.query.mapping),
      });
      if (!result.ok) {
        const n = result.report.invalid;
        return reply.code(400).send({
          error: `${n} of ${result.report.rows} rows fail the Create Lead rules: nothing was imported`,
          code: 'bad_request',
          ...result.report,
        });
      }
      if (req.query.dry_run) return reply.code(200).send(result.report);
      return reply.code(201).send({
        dry_run: false,
        imported: result.ids.length,
        ids: result.ids,
        columns: result.report.columns,
      });
    },
  );
};
