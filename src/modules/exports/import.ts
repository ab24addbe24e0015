import type pg from 'pg';
import { z } from 'zod';
import { ApiError } from '../../core/errors.js';
import { pgErrorCode } from '../../db/errors.js';
import { committedMigrationCount } from '../../db/migrations-count.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { generateSigningSecret } from '../webhooks/index.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  RECORD_TYPES,
  type RecordType,
  type RefKind,
} from './export.types.js';

// Loads an export (export.stream.ts) into this instance, in ONE transaction: any error, at any
// line, and nothing stays. Uuids are kept; ids are this instance's, and every id column is
// remapped through the maps below (old id → new id, one per type that others refer to). The
// maps are the import's memory, growing with the leads and deals (docs/data.md has numbers).
// The rows go in as batches of BATCH rows through jsonb_populate_recordset, so PostgreSQL casts
// each column from its JSON representation exactly as the export wrote it.

const BATCH = 500;

const fail = (message: string) => new ApiError('bad_request', message);

const LineShape = z.object({ type: z.string().min(1), data: z.record(z.string(), z.unknown()) }).strict();
const Header = z.object({
  format: z.string(),
  version: z.number(),
  schema_version: z.number().int().nonnegative(),
  exported_at: z.string(),
  company: z.object({ id: z.number().int(), uuid: z.uuid(), name: z.string() }).loose(),
});
const End = z.object({ counts: z.record(z.string(), z.number().int().nonnegative()) });
const intId = z.number().int().positive();

/** The shape each type's rows must have before anything is written (the rest PostgreSQL checks). */
function rowSchema(t: RecordType) {
  const shape: Record<string, z.ZodType> = {};
  if (t.keeps || t.type === 'lead_note' || t.type === 'deal_note' || t.type === 'lead_attribution')
    shape.id = intId;
  if (t.keeps && t.type !== 'custom_field_option') shape.uuid = z.uuid();
  for (const col of Object.keys(t.refs ?? {})) shape[col] = intId.nullable();
  for (const col of Object.keys(t.optionalRefs ?? {})) shape[col] = intId.nullable().optional();
  if (t.type === 'partnership') {
    shape.company_id = intId;
    shape.partner_company_id = intId;
    shape.partner_company = z.object({ id: intId, uuid: z.uuid(), name: z.string() }).loose();
  }
  if (t.type === 'partnership_lead') {
    shape.uuid = z.uuid();
    for (const c of ['partnership_id', 'sent_by_company_id', 'received_by_company_id', 'sender_lead_id'])
      shape[c] = intId;
    shape.receiver_lead_id = intId.nullable();
    shape.sender_lead_uuid = z.uuid().nullable();
    shape.receiver_lead_uuid = z.uuid().nullable();
  }
  if (t.type === 'custom_field_value') {
    shape.entity_type = z.enum(['partner', 'lead', 'lead_deal', 'contact']);
    shape.entity_id = intId;
    shape.value = z.record(z.string(), z.unknown());
  }
  if (t.type === 'webhook_endpoint') {
    shape.url = z.string();
    shape.events = z.array(z.string());
  }
  if (t.type === 'deal') shape.owner_company_uuid = z.uuid();
  return z.object(shape).loose();
}

const SCHEMAS = new Map(RECORD_TYPES.map((t) => [t.type, rowSchema(t)]));
const INDEX = new Map(RECORD_TYPES.map((t, i) => [t.type, i]));
const ENTITY_MAP: Record<string, RefKind> = {
  lead: 'lead',
  lead_deal: 'deal',
  partner: 'company_partnership',
  contact: 'contact',
};

type Row = Record<string, unknown>;
interface Pending {
  data: Row;
  line: number;
}

export interface ImportResult {
  company: { id: number; uuid: string; name: string; created: boolean };
  counts: Record<string, number>;
  /** Rows left out, by type, with why (see docs/data.md). */
  skipped: Record<string, number>;
  /** Re-created webhook endpoints with their NEW signing secrets, shown this once. */
  webhooks: { id: number; uuid: string; url: string; secret: string }[];
}

export interface ImportOptions {
  /** An existing, empty company to load into; without it the company is found by uuid or made. */
  companyId?: number | undefined;
  secrets: SecretBox;
}

/** Imports the lines of an export file (one string per line, without the newline). */
export async function importCompany(
  pool: pg.Pool,
  lines: AsyncIterable<string>,
  options: ImportOptions,
): Promise<ImportResult> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const run = new ImportRun(client, options, await committedMigrationCount());
    let n = 0;
    for await (const text of lines) {
      n += 1;
      await run.line(text, n);
    }
    const result = await run.finish(n);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

class ImportRun {
  private phase: 'header' | 'body' | 'ended' = 'header';
  private current = -1;
  private buffer: Pending[] = [];
  private readonly maps = new Map<RefKind, Map<number, number>>();
  private readonly read: Record<string, number> = {};
  private readonly skipped: Record<string, number> = {};
  private readonly columns = new Map<string, string[]>();
  /** Deals this import made (not found by uuid): their payments come with them. */
  private readonly newDeals = new Set<number>();
  /** Deals of this company that the partner's import made first (old ids). */
  private readonly ownedDeals = new Set<number>();
  private readonly webhooks: ImportResult['webhooks'] = [];
  private oldCompanyId = 0;
  private company: ImportResult['company'] | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly options: ImportOptions,
    private readonly schemaVersion: number,
  ) {
    for (const t of RECORD_TYPES) this.read[t.type] = 0;
  }

  private map(kind: RefKind): Map<number, number> {
    let m = this.maps.get(kind);
    if (!m) {
      m = new Map();
      this.maps.set(kind, m);
    }
    return m;
  }

  async line(text: string, n: number): Promise<void> {
    if (text.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw fail(`line ${n}: not valid JSON`);
    }
    const parsed = LineShape.safeParse(json);
    if (!parsed.success) throw fail(`line ${n}: expected {"type": "…", "data": {…}}`);
    const { type, data } = parsed.data;
    if (this.phase === 'header') return this.header(type, data, n);
    if (this.phase === 'ended') throw fail(`line ${n}: data after the end line`);
    if (type === 'end') return this.end(data, n);
    const index = INDEX.get(type);
    if (index === undefined) throw fail(`line ${n}: unknown type '${type}'`);
    if (index < this.current)
      throw fail(`line ${n}: type '${type}' out of order (after '${this.type().type}')`);
    if (index !== this.current) {
      await this.flush();
      this.current = index;
    }
    if (!this.company && type !== 'company') throw fail(`line ${n}: the company line must come first`);
    const row = SCHEMAS.get(type)?.safeParse(data);
    if (!row?.success) {
      const issue = row?.error.issues[0];
      throw fail(
        `line ${n}: invalid ${type}: ${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    this.read[type] = (this.read[type] ?? 0) + 1;
    this.buffer.push({ data: row.data as Row, line: n });
    if (this.buffer.length >= BATCH) await this.flush();
  }

  private header(type: string, data: Row, n: number): void {
    const header = Header.safeParse(data);
    if (type !== 'export' || !header.success || header.data.format !== EXPORT_FORMAT) {
      throw fail(`line ${n}: not a Journeybee export (the first line must be its "export" header)`);
    }
    if (header.data.version !== EXPORT_VERSION) {
      throw fail(
        `unsupported export version ${header.data.version} (this Journeybee reads version ${EXPORT_VERSION})`,
      );
    }
    if (header.data.schema_version > this.schemaVersion) {
      throw fail(
        `the export comes from a newer Journeybee (schema version ${header.data.schema_version}, this one has ` +
          `${this.schemaVersion}): upgrade this instance first`,
      );
    }
    this.phase = 'body';
  }

  private async end(data: Row, n: number): Promise<void> {
    await this.flush();
    const end = End.safeParse(data);
    if (!end.success) throw fail(`line ${n}: invalid end line`);
    for (const t of RECORD_TYPES) {
      const expected = end.data.counts[t.type] ?? 0;
      if (expected !== this.read[t.type]) {
        throw fail(
          `the file is incomplete: the end line counts ${expected} ${t.type} rows, the file has ${this.read[t.type]}`,
        );
      }
    }
    this.phase = 'ended';
  }

  async finish(n: number): Promise<ImportResult> {
    if (this.phase === 'header') throw fail('the file is empty: not a Journeybee export');
    if (this.phase !== 'ended') throw fail(`the file is truncated: no end line after line ${n}`);
    if (!this.company) throw fail('the export holds no company');
    const counts: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.read)) if (v > 0) counts[k] = v - (this.skipped[k] ?? 0);
    return { company: this.company, counts, skipped: this.skipped, webhooks: this.webhooks };
  }

  private type(): RecordType {
    const t = RECORD_TYPES[this.current];
    if (!t) throw new Error('no current type');
    return t;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    const t = this.type();
    const first = rows[0]?.line ?? 0;
    const last = rows[rows.length - 1]?.line ?? 0;
    try {
      await this.write(t, rows);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const at = first === last ? `line ${first}` : `lines ${first}–${last}`;
      const code = pgErrorCode(err);
      throw fail(`${at} (${t.type}): ${code ? 'the database refused them: ' : ''}${(err as Error).message}`);
    }
  }

  private async write(t: RecordType, rows: Pending[]): Promise<void> {
    switch (t.type) {
      case 'company':
        return this.importCompanyRow(rows);
      case 'partnership':
        for (const r of rows) await this.partnership(r);
        return;
      case 'partnership_lead':
        for (const r of rows) await this.partnershipLead(r);
        return;
      case 'custom_field_option':
        for (const r of rows) {
          const [row] = await this.insert(t, [this.remap(t, r)], { returning: true });
          this.map('custom_field_option').set(r.data.id as number, row?.id as number);
        }
        return;
      case 'company_partnership':
        return this.generic(t, rows, {
          conflict: ['partnership_id', 'company_id'],
        });
      case 'deal':
        return this.deals(t, rows);
      case 'deal_payment':
        return this.payments(t, rows);
      case 'webhook_endpoint':
        for (const r of rows) await this.webhook(t, r);
        return;
      default:
        return this.generic(t, rows);
    }
  }

  /** The row with every id column in this instance's ids (and type-specific ids inside values). */
  private remap(t: RecordType, r: Pending): Row {
    const d: Row = { ...r.data };
    for (const [col, kind] of Object.entries(t.refs ?? {})) {
      const old = d[col];
      if (old === null || old === undefined) continue;
      const id = this.map(kind).get(old as number);
      if (id === undefined)
        throw fail(`line ${r.line}: ${t.type}.${col} ${old} names no ${kind} of the export`);
      d[col] = id;
    }
    for (const [col, kind] of Object.entries(t.optionalRefs ?? {})) {
      const old = d[col];
      d[col] = old === null || old === undefined ? null : (this.map(kind).get(old as number) ?? null);
    }
    if (t.type === 'custom_field_value') {
      const kind = ENTITY_MAP[d.entity_type as string] as RefKind;
      const id = this.map(kind).get(d.entity_id as number);
      if (id === undefined)
        throw fail(`line ${r.line}: custom_field_value.entity_id names no ${kind} of the export`);
      d.entity_id = id;
      d.value = this.optionValue(d.value as Row, r.line);
    }
    if (t.type === 'lead_note' || t.type === 'deal_note') {
      const users = this.map('user');
      d.mentions = ((d.mentions as number[] | undefined) ?? []).flatMap((u) => users.get(u) ?? []);
      d.document = remapMentionNodes(d.document, users);
    }
    if (t.type === 'tier' || (t.type === 'deal' && r.data.company_id === this.oldCompanyId)) {
      d.commission_calculation = this.stageEntries(d.commission_calculation);
    }
    return d;
  }

  private optionValue(value: Row, line: number): Row {
    const options = this.map('custom_field_option');
    const option = (old: unknown) => {
      const id = options.get(old as number);
      if (id === undefined)
        throw fail(`line ${line}: custom_field_value names no option ${String(old)} of the export`);
      return id;
    };
    if (typeof value.select === 'number') return { ...value, select: option(value.select) };
    if (Array.isArray(value.multi_select)) return { ...value, multi_select: value.multi_select.map(option) };
    return value;
  }

  /** A commission calculation's `entries[].payment_stage_id`, in this instance's stage ids. */
  private stageEntries(calc: unknown): unknown {
    if (!calc || typeof calc !== 'object' || !Array.isArray((calc as Row).entries)) return calc;
    const stages = this.map('stage');
    return {
      ...(calc as Row),
      entries: ((calc as Row).entries as Row[]).map((e) => ({
        ...e,
        payment_stage_id: stages.get(e.payment_stage_id as number) ?? e.payment_stage_id,
      })),
    };
  }

  /** The table's columns an INSERT may name (not the identity id, not generated ones). */
  private async insertable(table: string): Promise<string[]> {
    const known = this.columns.get(table);
    if (known) return known;
    const { rows } = await this.client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1
         AND is_identity = 'NO' AND is_generated = 'NEVER' ORDER BY ordinal_position`,
      [table],
    );
    const cols = rows.map((r) => r.column_name);
    this.columns.set(table, cols);
    return cols;
  }

  /**
   * Inserts rows (already remapped), in order; with `conflict`, a row that is there (those
   * columns equal) is overwritten instead. Returns each row's id and uuid (uuid-less tables: id).
   */
  private async insert(
    t: RecordType,
    rows: Row[],
    opts: { returning?: boolean; conflict?: string[] } = {},
  ): Promise<{ id: number; uuid: string }[]> {
    if (rows.length === 0) return [];
    const cols = await this.insertable(t.table);
    const list = cols.map((c) => `"${c}"`).join(', ');
    const upsert = opts.conflict
      ? ` ON CONFLICT (${opts.conflict.join(', ')}) DO UPDATE SET (${list}) = (${cols.map((c) => `EXCLUDED."${c}"`).join(', ')})`
      : '';
    const returning = opts.returning ? ` RETURNING id${cols.includes('uuid') ? ', uuid' : ''}` : '';
    const { rows: out } = await this.client.query<{ id: number; uuid: string }>(
      `INSERT INTO ${t.table} (${list})
       SELECT ${list} FROM jsonb_populate_recordset(NULL::${t.table}, $1::jsonb) WITH ORDINALITY AS j
       ORDER BY j.ordinality${upsert}${returning}`,
      [JSON.stringify(rows)],
    );
    return out;
  }

  /** Remaps and inserts; for a type others refer to, records old id → new id by uuid. */
  private async generic(t: RecordType, rows: Pending[], opts: { conflict?: string[] } = {}): Promise<void> {
    if (rows.length === 0) return;
    const data = rows.map((r) => this.remap(t, r));
    const out = await this.insert(t, data, { returning: Boolean(t.keeps), conflict: opts.conflict });
    if (!t.keeps) return;
    const byUuid = new Map(rows.map((r) => [r.data.uuid as string, r.data.id as number]));
    const m = this.map(t.keeps);
    for (const o of out) m.set(byUuid.get(o.uuid) as number, o.id);
  }

  /** The company: the one named by --company (empty), the one with its uuid (empty), or a new one. */
  private async importCompanyRow(rows: Pending[]): Promise<void> {
    const r = rows[0];
    if (!r || rows.length > 1) throw fail(`line ${rows[1]?.line ?? 0}: a second company line`);
    const data = r.data;
    const uuid = data.uuid as string;
    const q = (text: string, values: unknown[]) => this.client.query(text, values);
    const byUuid = (await q('SELECT id FROM companies WHERE uuid = $1', [uuid])).rows[0] as
      | { id: number }
      | undefined;
    let target: number | undefined = this.options.companyId;
    if (target !== undefined) {
      const exists = (await q('SELECT 1 FROM companies WHERE id = $1', [target])).rowCount;
      if (!exists) throw fail(`no company with id ${target}`);
      if (byUuid && byUuid.id !== target) {
        throw fail(
          `the export's company (uuid ${uuid}) already exists in this instance as company ${byUuid.id}: ` +
            `import into that one (--company ${byUuid.id}, or without --company)`,
        );
      }
    } else target = byUuid?.id;
    const created = target === undefined;
    try {
      if (target !== undefined) {
        await this.refuseUnlessEmpty(target);
        await q(
          `UPDATE companies c SET (uuid, name, domain, website_url, description, country_id, default_currency,
             created_at, updated_at) = (j.uuid, j.name, j.domain, j.website_url, j.description, j.country_id,
             j.default_currency, j.created_at, j.updated_at)
           FROM jsonb_populate_record(NULL::companies, $1::jsonb) j WHERE c.id = $2`,
          [JSON.stringify(data), target],
        );
      } else {
        const [row] = await this.insert(this.type(), [data], { returning: true });
        target = row?.id as number;
      }
    } catch (err) {
      if (pgErrorCode(err) === '23505') {
        throw fail(
          `line ${r.line}: another company of this instance already has the domain '${String(data.domain)}'`,
        );
      }
      throw err;
    }
    this.oldCompanyId = data.id as number;
    this.map('company').set(this.oldCompanyId, target);
    this.company = { id: target, uuid, name: data.name as string, created };
  }

  /**
   * Empty: nothing of its own (users, catalogues, leads, deals, contacts, webhooks, keys). A
   * company a partner's import created as a stub (name, domain, its side of the partnership) is.
   */
  private async refuseUnlessEmpty(companyId: number): Promise<void> {
    const tables = [
      'users',
      'api_keys',
      'tags',
      'stages',
      'tiers',
      'categories',
      'custom_fields',
      'campaigns',
      'leads',
      'deal_sides',
      'contacts',
      'webhook_endpoints',
    ];
    const { rows } = await this.client.query<{ t: string }>(
      tables.map((t) => `(SELECT '${t}' AS t FROM ${t} WHERE company_id = $1 LIMIT 1)`).join(' UNION ALL '),
      [companyId],
    );
    if (rows.length > 0) {
      throw fail(
        `company ${companyId} is not empty (it has ${rows.map((r) => r.t).join(', ')}): ` +
          'an export loads only into an empty company',
      );
    }
  }

  /** The partnership, and the partner company: re-linked by uuid when present, else a stub. */
  private async partnership(r: Pending): Promise<void> {
    const d = r.data;
    const pc = d.partner_company as Row;
    const q = (text: string, values: unknown[]) => this.client.query(text, values);
    let other = (
      (await q('SELECT id FROM companies WHERE uuid = $1', [pc.uuid])).rows[0] as { id: number } | undefined
    )?.id;
    if (other === undefined) {
      // As POST /v1/partners makes a new partner company: its public facts, no people.
      try {
        const made = await q(
          `INSERT INTO companies (uuid, name, domain, website_url, description, country_id)
           SELECT uuid, name, domain, website_url, description, country_id
           FROM jsonb_populate_record(NULL::companies, $1::jsonb) RETURNING id`,
          [JSON.stringify(pc)],
        );
        other = (made.rows[0] as { id: number }).id;
      } catch (err) {
        if (pgErrorCode(err) !== '23505') throw err;
        throw fail(
          `line ${r.line}: the partner company ${String(pc.name)} (uuid ${String(pc.uuid)}) is not in this instance, ` +
            `and its domain '${String(pc.domain)}' belongs to another company here`,
        );
      }
    }
    const me = this.map('company').get(this.oldCompanyId) as number;
    this.map('company').set(pc.id as number, other);
    const weInvited = d.company_id === this.oldCompanyId;
    const [inviter, invitee] = weInvited ? [me, other] : [other, me];
    const found = (
      await q('SELECT id, company_id, partner_company_id FROM partnerships WHERE uuid = $1', [d.uuid])
    ).rows[0] as { id: number; company_id: number; partner_company_id: number } | undefined;
    let id: number;
    if (found) {
      if (found.company_id !== inviter || found.partner_company_id !== invitee) {
        throw fail(
          `line ${r.line}: partnership ${String(d.uuid)} exists in this instance between other companies`,
        );
      }
      id = found.id;
    } else {
      const row = {
        ...d,
        company_id: inviter,
        partner_company_id: invitee,
        invited_by_user_id: weInvited ? (this.map('user').get(d.invited_by_user_id as number) ?? null) : null,
      };
      try {
        id = ((await this.insert(this.type(), [row], { returning: true }))[0] as { id: number }).id;
      } catch (err) {
        if (pgErrorCode(err) !== '23505') throw err;
        throw fail(
          `line ${r.line}: this instance already has a ${String(d.partner_type)} partnership between ` +
            `${String(pc.name)} and this company, with another uuid`,
        );
      }
      // The partner's side, as a new partnership has both (the partner's own import fills it in).
      await q(
        `INSERT INTO company_partnerships (partnership_id, company_id, partner_company_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (partnership_id, company_id) DO NOTHING`,
        [id, other, me, d.created_at],
      );
    }
    this.map('partnership').set(d.id as number, id);
  }

  /** A shared lead's record: this company's lead mapped, the other side's found by uuid. */
  private async partnershipLead(r: Pending): Promise<void> {
    const d = r.data;
    const t = this.type();
    const companies = this.map('company');
    const leads = this.map('lead');
    const pid = this.map('partnership').get(d.partnership_id as number);
    const sentBy = companies.get(d.sent_by_company_id as number);
    const receivedBy = companies.get(d.received_by_company_id as number);
    if (pid === undefined || sentBy === undefined || receivedBy === undefined) {
      throw fail(`line ${r.line}: partnership_lead names a partnership or company that is not in the export`);
    }
    const weSent = d.sent_by_company_id === this.oldCompanyId;
    const theirs = async (uuid: unknown, company: number) =>
      uuid
        ? (((
            await this.client.query('SELECT id FROM leads WHERE uuid = $1 AND company_id = $2', [
              uuid,
              company,
            ])
          ).rows[0]?.id as number | undefined) ?? null)
        : null;
    const sender = weSent ? leads.get(d.sender_lead_id as number) : await theirs(d.sender_lead_uuid, sentBy);
    const receiver = weSent
      ? await theirs(d.receiver_lead_uuid, receivedBy)
      : d.receiver_lead_id === null
        ? null
        : (leads.get(d.receiver_lead_id as number) ?? null);
    const existing = await this.client.query('SELECT id FROM partnership_leads WHERE uuid = $1', [d.uuid]);
    if (existing.rowCount) {
      // The other company's import made it: fill in this side's lead.
      await this.client.query(
        weSent
          ? 'UPDATE partnership_leads SET sender_lead_id = $2, sent_by_user_id = $3 WHERE uuid = $1'
          : 'UPDATE partnership_leads SET receiver_lead_id = $2 WHERE uuid = $1',
        weSent
          ? [d.uuid, sender, this.map('user').get(d.sent_by_user_id as number) ?? null]
          : [d.uuid, receiver],
      );
      return;
    }
    if (sender === null || sender === undefined) {
      // Received from a company whose lead is not in this instance: nothing to point at.
      this.skipped[t.type] = (this.skipped[t.type] ?? 0) + 1;
      return;
    }
    await this.insert(t, [
      {
        ...d,
        partnership_id: pid,
        sent_by_company_id: sentBy,
        received_by_company_id: receivedBy,
        sent_by_user_id: weSent ? (this.map('user').get(d.sent_by_user_id as number) ?? null) : null,
        sender_lead_id: sender,
        receiver_lead_id: receiver,
      },
    ]);
  }

  /** Deals already here (the partner's import made them) are re-linked; the others inserted. */
  private async deals(t: RecordType, rows: Pending[]): Promise<void> {
    const { rows: found } = await this.client.query<{ id: number; uuid: string }>(
      'SELECT id, uuid FROM deals WHERE uuid = ANY($1::uuid[])',
      [rows.map((r) => r.data.uuid)],
    );
    const have = new Map(found.map((f) => [f.uuid, f.id]));
    const deals = this.map('deal');
    const fresh: Pending[] = [];
    for (const r of rows) {
      const id = have.get(r.data.uuid as string);
      if (id === undefined) {
        fresh.push(r);
        continue;
      }
      deals.set(r.data.id as number, id);
      if (r.data.company_id !== this.oldCompanyId) continue;
      // The partner's import made it, without what only the owner knows: fill that in.
      this.ownedDeals.add(r.data.id as number);
      const d = this.remap(t, r);
      await this.client.query(
        `UPDATE deals SET created_by_user_id = $2, payment_stage_id = $3, commission_calculation = $4::jsonb
         WHERE id = $1`,
        [id, d.created_by_user_id, d.payment_stage_id, JSON.stringify(d.commission_calculation ?? null)],
      );
    }
    await this.generic(t, fresh);
    for (const r of fresh) this.newDeals.add(r.data.id as number);
  }

  /** Payments come with a new deal; on a deal the partner's import made, the owner's ids fill in. */
  private async payments(t: RecordType, rows: Pending[]): Promise<void> {
    await this.generic(
      t,
      rows.filter((r) => this.newDeals.has(r.data.deal_id as number)),
    );
    for (const r of rows.filter((x) => this.ownedDeals.has(x.data.deal_id as number))) {
      const d = this.remap(t, r);
      await this.client.query(
        'UPDATE deal_payments SET payment_stage_id = $2, approved_by_user_id = $3 WHERE uuid = $1',
        [d.uuid, d.payment_stage_id, d.approved_by_user_id],
      );
    }
  }

  /** A webhook endpoint, re-created with a new signing secret (the export has none). */
  private async webhook(t: RecordType, r: Pending): Promise<void> {
    const secret = generateSigningSecret();
    const data = { ...this.remap(t, r), secret_encrypted: await this.options.secrets.encrypt(secret) };
    const row = (await this.insert(t, [data], { returning: true }))[0] as { id: number; uuid: string };
    this.webhooks.push({ id: row.id, uuid: row.uuid, url: r.data.url as string, secret });
  }
}

/**
 * A note document with its mention nodes (`{type: 'mention', attrs: {id, label}}`) naming the
 * imported users: a mention of a user the export did not hold keeps its label and loses its id
 * (an id that is not a number, which no console writes, is left as it is).
 * Documents were bounded in depth when they were written, so the walk's recursion is too.
 */
export function remapMentionNodes(node: unknown, users: Map<number, number>): unknown {
  if (Array.isArray(node)) return node.map((n) => remapMentionNodes(n, users));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'attrs' ? v : remapMentionNodes(v, users);
  const attrs = (node as { attrs?: unknown }).attrs;
  if ((node as { type?: unknown }).type === 'mention' && attrs && typeof attrs === 'object') {
    const old = (attrs as { id?: unknown }).id;
    if (typeof old === 'number') out.attrs = { ...attrs, id: users.get(old) ?? null };
  }
  return out;
}
