import { createHash } from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { ApiError } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { queryRows } from '../../db/statement.js';
import type { CustomFieldValueInputItem } from '../custom-field-values/index.js';
import {
  type LeadCaller as Caller,
  CreateLeadBody,
  type CreateLeadInput,
  leadCreate as create,
} from '../leads/index.js';
import { type ColumnField, columnFields } from './csv.fields.js';

// POST /v1/leads/import: a CSV file of leads, each row a Create Lead body built from its cells
// through the column mapping, checked by the SAME code as POST /v1/leads (its schema, then
// leads.create facts → rules) plus the duplicate rule (within the file, and against the
// company's live leads, as the unique index defines it: trimmed, case-insensitive email of an
// own lead). A dry run reports every problem by row and column and writes nothing; a real run
// writes every lead in one transaction (each with its `leads.create` event) or none.

export const MAX_IMPORT_ROWS = 50_000;
/** The request body limit of the import route (the rest of the API keeps 1 MiB). */
export const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

/** Fields of the Create Lead body a cell can fill, by the name a mapping gives them. */
export const PLAIN_TARGETS = [
  'first_name',
  'last_name',
  'email',
  'phone_number',
  'company_name',
  'source',
  'status',
  'associationType',
  'companyCampaignId',
  'campaign',
  'partnership_id',
  'tags',
] as const;
type PlainTarget = (typeof PLAIN_TARGETS)[number];
/** A plain target or `custom:<label>`. */
export type Target = PlainTarget | `custom:${string}`;

/** Headers that map by themselves to a target of another name (what the export writes). */
const ALIASES: Record<string, PlainTarget> = {
  association_type: 'associationType',
  campaign_title: 'campaign',
  phone: 'phone_number',
};

export interface RowError {
  /** As a spreadsheet numbers it: the header is row 1. */
  row: number;
  column: string | null;
  field: string | null;
  error: string;
}

export interface ImportReport {
  dry_run: boolean;
  rows: number;
  valid: number;
  invalid: number;
  errors: RowError[];
  /** Each header and the target it maps to (null: ignored). */
  columns: Record<string, string | null>;
}

export interface ImportOptions {
  dryRun: boolean;
  /** header → target, or null / "" to ignore the column. */
  mapping?: Record<string, unknown> | undefined;
}

const badFile = (message: string) => new ApiError('bad_request', message);

/** The records of the file (header first), or a 400 naming the row that does not parse. */
export function parseCsv(text: string): string[][] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const row = (err as CsvError & { records?: number }).records ?? 0;
    const at = `row ${row + 1}`;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw badFile(`The CSV has an unclosed quote (from ${at})`);
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      throw badFile(`The CSV's ${at} has a different number of cells than its header`);
    }
    throw badFile(`The CSV does not parse at ${at}: ${err.message}`);
  }
  if (records.length === 0)
    throw badFile('The CSV file is empty: it needs a header row and at least one row');
  if (records.length === 1) throw badFile('The CSV file has a header row but no rows');
  if (records.length - 1 > MAX_IMPORT_ROWS) {
    throw new ApiError(
      'payload_too_large',
      `The CSV file has ${records.length - 1} rows: at most ${MAX_IMPORT_ROWS} are imported at once`,
    );
  }
  return records;
}

interface CompanyFacts {
  fields: ColumnField[];
  tags: { id: number; label: string }[];
  campaigns: { id: number; title: string }[];
}

async function companyFacts(db: Db, companyId: number): Promise<CompanyFacts> {
  const [row] = await queryRows<Omit<CompanyFacts, 'fields'>>(
    db,
    sql`SELECT
      (SELECT coalesce(json_agg(json_build_object('id', id, 'label', label)), '[]')
        FROM tags WHERE company_id = ${companyId} AND association = 'lead') AS tags,
      (SELECT coalesce(json_agg(json_build_object('id', id, 'title', title) ORDER BY id), '[]')
        FROM campaigns WHERE company_id = ${companyId}) AS campaigns`,
  );
  return { ...row!, fields: await columnFields(db, companyId, 'lead') };
}

const fold = (s: string) => s.trim().toLowerCase();

const mappingError = (problems: string[]) =>
  new ApiError(
    'bad_request',
    `Invalid column mapping: ${problems.join('; ')}`,
    problems.map((message) => ({ path: 'mapping', message })),
  );

/** Each header's target: the mapping's, else the automatic one (a target's name or a field's label). */
function mapColumns(headers: string[], facts: CompanyFacts, mapping: Record<string, unknown> | undefined) {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const h of headers) {
    if (seen.has(h)) problems.push(`the header '${h}' appears more than once`);
    seen.add(h);
  }
  if (problems.length > 0) throw mappingError(problems);
  for (const key of Object.keys(mapping ?? {})) {
    if (!seen.has(key)) problems.push(`mapping names '${key}', which is not a header of the file`);
  }
  const fieldByLabel = new Map(facts.fields.map((f) => [fold(f.label), f]));
  const targets: (Target | null)[] = headers.map((h) => {
    const given = mapping && Object.hasOwn(mapping, h) ? mapping[h] : undefined;
    if (given === null || given === '') return null;
    if (given !== undefined) {
      if (typeof given !== 'string') {
        problems.push(`mapping of '${h}' must be a field name, "custom:<label>", or null`);
        return null;
      }
      if ((PLAIN_TARGETS as readonly string[]).includes(given)) return given as Target;
      if (ALIASES[given]) return ALIASES[given];
      if (given.startsWith('custom:')) {
        const field = fieldByLabel.get(fold(given.slice('custom:'.length)));
        if (field) return `custom:${field.label}` as Target;
        problems.push(`mapping of '${h}': no lead custom field labelled '${given.slice(7)}'`);
        return null;
      }
      problems.push(`mapping of '${h}': unknown field '${given}'`);
      return null;
    }
    if ((PLAIN_TARGETS as readonly string[]).includes(h)) return h as Target;
    if (ALIASES[h]) return ALIASES[h];
    const field = fieldByLabel.get(fold(h));
    return field ? (`custom:${field.label}` as Target) : null;
  });
  const byTarget = new Map<Target, string>();
  targets.forEach((t, i) => {
    if (!t) return;
    const other = byTarget.get(t);
    if (other !== undefined) problems.push(`'${other}' and '${headers[i]}' both map to '${t}'`);
    byTarget.set(t, headers[i]!);
  });
  if (problems.length > 0) throw mappingError(problems);
  return targets;
}

/** The export's formula guard undone: `'=1+2` is the cell `=1+2` again. */
const unguarded = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

const splitList = (cell: string) =>
  cell
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  '1': true,
  '0': false,
};

/** A cell of a custom field as the body's value, or a problem. */
function customValue(field: ColumnField, text: string): CustomFieldValueInputItem['value'] | string {
  const option = (label: string) => field.options.find((o) => fold(o.label) === fold(label));
  switch (field.type) {
    case 'text':
    case 'textarea':
      return { text };
    case 'number': {
      const n = Number(text);
      return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) && Number.isFinite(n)
        ? { number: n }
        : `'${text}' is not a number`;
    }
    case 'date':
      return { date: text };
    case 'boolean': {
      const b = BOOLEANS[fold(text)];
      return b === undefined ? `'${text}' is not true or false` : { boolean: b };
    }
    case 'select': {
      const found = option(text);
      return found ? { select: found.id } : `'${field.label}' has no option '${text}'`;
    }
    case 'multi_select': {
      const labels = splitList(text);
      const missing = labels.filter((l) => !option(l));
      if (missing.length > 0)
        return `'${field.label}' has no option ${missing.map((m) => `'${m}'`).join(', ')}`;
      return { multi_select: labels.map((l) => option(l)!.id) };
    }
  }
}

interface BuiltRow {
  body: Record<string, unknown>;
  problems: { target: Target; error: string }[];
  /** The custom field target of each `customFields` item, in order. */
  customTargets: Target[];
}

/** One record as a Create Lead body (empty cells are absent fields). */
function buildRow(record: string[], targets: (Target | null)[], facts: CompanyFacts): BuiltRow {
  const body: Record<string, unknown> = {};
  const problems: BuiltRow['problems'] = [];
  const customFields: CustomFieldValueInputItem[] = [];
  const customTargets: Target[] = [];
  const idCell = (text: string) => (/^\d{1,10}$/.test(text) ? Number(text) : text);
  targets.forEach((target, i) => {
    const text = unguarded((record[i] ?? '').trim());
    if (!target || text === '') return;
    if (target.startsWith('custom:')) {
      const field = facts.fields.find((f) => f.label === target.slice('custom:'.length))!;
      const value = customValue(field, text);
      if (typeof value === 'string') problems.push({ target, error: value });
      else {
        customFields.push({ customFieldId: field.id, type: field.type, value });
        customTargets.push(target);
      }
      return;
    }
    switch (target as PlainTarget) {
      case 'companyCampaignId':
        body.companyCampaignId = idCell(text);
        return;
      case 'partnership_id':
        body.partnershipLead = { partnership_id: idCell(text) };
        return;
      case 'campaign': {
        const found = facts.campaigns.filter((c) => fold(c.title) === fold(text));
        if (found.length === 1) body.companyCampaignId = found[0]!.id;
        else if (found.length === 0)
          problems.push({ target, error: `no campaign in your company titled '${text}'` });
        else problems.push({ target, error: `more than one campaign of your company is titled '${text}'` });
        return;
      }
      case 'tags': {
        const ids: number[] = [];
        for (const label of splitList(text)) {
          const tag = facts.tags.find((t) => fold(t.label) === fold(label));
          if (tag) ids.push(tag.id);
          else problems.push({ target, error: `no lead tag in your company labelled '${label}'` });
        }
        body.tags = ids;
        return;
      }
      default:
        body[target] = text;
    }
  });
  if (customFields.length > 0) body.customFields = customFields;
  return { body, problems, customTargets };
}

/** The target a path of the Create Lead body (`customFields[2].value`, `email`…) belongs to. */
function targetOfPath(path: string, row: BuiltRow, mapped: Map<Target, string>): Target | null {
  const custom = /^customFields(?:\[(\d+)\])?/.exec(path);
  if (custom) {
    if (custom[1] !== undefined) return row.customTargets[Number(custom[1])] ?? null;
    return null;
  }
  const head = path.split(/[.[]/)[0]!;
  if (head === 'partnershipLead') return 'partnership_id';
  if (head === 'companyCampaignId' && !mapped.has('companyCampaignId') && mapped.has('campaign'))
    return 'campaign';
  return (PLAIN_TARGETS as readonly string[]).includes(head) ? (head as Target) : null;
}

/** A required custom field's problem (`'Budget' (custom field 7) is required`) names its column. */
function requiredTarget(message: string, facts: CompanyFacts): Target | null {
  const id = /\(custom field (\d+)\)/.exec(message)?.[1];
  const field = id ? facts.fields.find((f) => f.id === Number(id)) : undefined;
  return field ? (`custom:${field.label}` as Target) : null;
}

/**
 * A database connection as a `Db` for the lead commands: their statements go through
 * `$client.query`, so with a checked-out client they run in its transaction. Rows of one file
 * send the same few statement texts thousands of times: each text is a named (prepared)
 * statement on this connection, parsed once rather than per row.
 */
function onClient(client: pg.PoolClient): Db {
  const names = new Map<string, string>();
  const query = (text: string, values?: unknown[]) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `csv_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return client.query({ name, text, values });
  };
  return { $client: { query } } as unknown as Db;
}

export type ImportResult =
  | { ok: true; report: ImportReport; ids: number[] }
  | { ok: false; report: ImportReport };

export async function importLeads(
  db: Db,
  caller: Caller,
  text: string,
  options: ImportOptions,
): Promise<ImportResult> {
  const [headers, ...records] = parseCsv(text);
  const facts = await companyFacts(db, caller.companyId);
  const targets = mapColumns(headers!, facts, options.mapping);
  const columnOf = new Map<Target, string>();
  targets.forEach((t, i) => {
    if (t) columnOf.set(t, headers![i]!);
  });
  const errors: RowError[] = [];
  const invalidRows = new Set<number>();
  const report = (row: number, target: Target | null, error: string) => {
    invalidRows.add(row);
    errors.push({ row, column: target ? (columnOf.get(target) ?? null) : null, field: target, error });
  };

  // Duplicates within the file and against the company's live leads: the unique index's key.
  const emailAt = targets.indexOf('email');
  const emailKey = (record: string[]) => (emailAt < 0 ? '' : (record[emailAt] ?? '').trim().toLowerCase());
  const existing = new Set<string>();
  if (emailAt >= 0) {
    const keys = [...new Set(records.map(emailKey).filter(Boolean))];
    const rows = await queryRows<{ key: string }>(
      db,
      sql`SELECT lower(btrim(email)) AS key FROM leads
        WHERE company_id = ${caller.companyId} AND deleted_at IS NULL AND email IS NOT NULL AND origin = 'own'
          AND lower(btrim(email)) = ANY(${sql.param(keys)}::text[])`,
    );
    for (const { key } of rows) existing.add(key);
  }
  const firstRowOf = new Map<string, number>();

  const client = await db.$client.connect();
  const tx = onClient(client);
  const plans: create.CreatePlan[] = [];
  try {
    await client.query('BEGIN');
    for (const [index, record] of records.entries()) {
      const rowNumber = index + 2;
      const built = buildRow(record, targets, facts);
      for (const p of built.problems) report(rowNumber, p.target, p.error);
      const key = emailKey(record);
      if (key) {
        const first = firstRowOf.get(key);
        if (first !== undefined) report(rowNumber, 'email', `duplicate: the same email as row ${first}`);
        else firstRowOf.set(key, rowNumber);
        if (existing.has(key)) report(rowNumber, 'email', 'duplicate: a lead of your company has this email');
      }
      const parsed = CreateLeadBody.safeParse(built.body);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
          report(rowNumber, targetOfPath(path, built, columnOf), issue.message);
        }
        continue;
      }
      if (built.problems.length > 0) continue;
      const input: CreateLeadInput = parsed.data;
      const rowFacts = await create.facts(tx, caller, input);
      try {
        plans.push(create.rules(rowFacts, caller, input));
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'bad_request') throw err;
        for (const d of err.details ?? [{ path: '', message: err.message }]) {
          const target =
            d.path === 'customFields'
              ? requiredTarget(d.message, facts)
              : targetOfPath(d.path, built, columnOf);
          report(rowNumber, target, d.message);
        }
      }
    }
    const summary: ImportReport = {
      dry_run: options.dryRun,
      rows: records.length,
      valid: records.length - invalidRows.size,
      invalid: invalidRows.size,
      errors,
      columns: Object.fromEntries(headers!.map((h, i) => [h, targets[i] ?? null])),
    };
    if (options.dryRun || errors.length > 0) {
      await client.query('ROLLBACK');
      return errors.length > 0 && !options.dryRun
        ? { ok: false, report: summary }
        : { ok: true, report: summary, ids: [] };
    }
    for (const plan of plans) await create.write(tx, plan);
    await client.query('COMMIT');
    return { ok: true, report: summary, ids: plans.map((p) => p.own.id) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
