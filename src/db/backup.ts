/**
 * Whole-instance backup and restore in our own logical format, through the `pg` driver (the
 * embedded PostgreSQL ships no pg_dump). See docs/operations.md, "Backup and restore".
 *
 * The file is gzip of:
 *   one JSON header line   {"format": "journeybee-backup", "version": 1, created_at, server_version,
 *                           schema_version, migrations (their hashes), tables (schema, name, columns,
 *                           rows, in an order whose foreign keys point backwards), sequences}
 *   per table, in that order: its `COPY … TO STDOUT` text, then the end-of-data line `\.`
 *   one JSON trailer line  {"sha256": hex of every byte before this line}
 *
 * COPY's text format escapes a backslash in the data as `\\`, so a data line is never `\.` and
 * each row is exactly one line: the sections need no lengths and the reader counts rows.
 * Both directions stream (COPY chunks to gzip to disk, and back): memory does not grow with the data.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { finished, pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { z } from 'zod';

export const BACKUP_FORMAT = 'journeybee-backup';
export const BACKUP_VERSION = 1;

/** Where drizzle keeps its bookkeeping (`drizzle.__drizzle_migrations`, see migrate.ts). */
const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

/**
 * Tables the migrations themselves fill (reference data). They are in the backup and restored
 * like the rest (their uuids are per instance), but rows in them do not make an instance "not
 * empty". tests/cli/backup.test.ts checks that a freshly migrated database has rows in exactly these.
 */
export const REFERENCE_TABLES: readonly string[] = ['countries', 'currencies'];

/**
 * COPY's text for dates, intervals and floats follows session settings: both ends use the same
 * ones (as pg_dump does), whatever the servers' defaults, so a value reads back as it was written.
 */
const PORTABLE_TEXT =
  "SELECT set_config('datestyle', 'ISO, YMD', true), set_config('intervalstyle', 'postgres', true), " +
  "set_config('timezone', 'UTC', true), set_config('extra_float_digits', '3', true)";

const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const MAX_TRAILER_BYTES = 4096;
const END_OF_DATA = Buffer.from('\\.\n');
/** For building the indexes after a restore's load (PostgreSQL's default is 64MB). */
const INDEX_BUILD_MEMORY = '256MB';
/** A restore waits this long for a table lock (a running server's transaction) before giving up. */
const LOCK_TIMEOUT = '10s';

export type BackupProblem = 'corrupt' | 'format' | 'schema' | 'not_empty' | 'busy' | 'empty_source' | 'load';

/** A refusal with a message for the operator; nothing was written. */
export class BackupError extends Error {
  constructor(
    readonly problem: BackupProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

const TableEntry = z.object({
  schema: z.string().min(1),
  name: z.string().min(1),
  columns: z.array(z.string().min(1)).min(1),
  rows: z.number().int().nonnegative(),
});
const SequenceEntry = z.object({
  schema: z.string().min(1),
  name: z.string().min(1),
  value: z.string().regex(/^-?\d+$/),
  is_called: z.boolean(),
});
const Header = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  created_at: z.string(),
  server_version: z.string(),
  schema_version: z.number().int().nonnegative(),
  migrations: z.array(z.string()),
  tables: z.array(TableEntry),
  sequences: z.array(SequenceEntry),
});
export type BackupHeader = z.infer<typeof Header>;
type TableInfo = z.infer<typeof TableEntry>;

export interface BackupSummary {
  file: string;
  /** Size of the (compressed) file. */
  bytes: number;
  tables: number;
  rows: number;
  /** SHA-256 of the uncompressed content before the trailer (the one the trailer holds). */
  sha256: string;
  seconds: number;
}

const ident = (schema: string, name: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
const columnList = (columns: readonly string[]) => columns.map((c) => pg.escapeIdentifier(c)).join(', ');

// ---------------------------------------------------------------------------------------------
// the catalogue

interface CatalogueTable {
  oid: number;
  schema: string;
  name: string;
  columns: string[];
  hasUserTriggers: boolean;
}

/** Every table of the public schema plus drizzle's bookkeeping, parents before children. */
async function catalogueTables(client: pg.ClientBase): Promise<CatalogueTable[]> {
  const { rows } = await client.query<{
    oid: number;
    schema: string;
    name: string;
    columns: string[] | null;
    triggers: boolean;
  }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
            EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND (n.nspname = 'public' OR (n.nspname = $1 AND c.relname = $2))
      ORDER BY n.nspname, c.relname`,
    [MIGRATIONS_SCHEMA, MIGRATIONS_TABLE],
  );
  const { rows: fks } = await client.query<{ child: number; parent: number }>(
    `SELECT conrelid::int AS child, confrelid::int AS parent FROM pg_constraint
      WHERE contype = 'f' AND conrelid <> confrelid`,
  );
  const tables = rows.map((r) => ({
    oid: r.oid,
    schema: r.schema,
    name: r.name,
    columns: r.columns ?? [],
    hasUserTriggers: r.triggers,
  }));
  // Kahn's algorithm, alphabetical among the ready ones: a stable order for the same schema.
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const parents = new Map(tables.map((t) => [t.oid, new Set<number>()]));
  for (const fk of fks)
    if (byOid.has(fk.child) && byOid.has(fk.parent)) parents.get(fk.child)?.add(fk.parent);
  const ordered: CatalogueTable[] = [];
  const done = new Set<number>();
  while (ordered.length < tables.length) {
    const ready = tables.find(
      (t) => !done.has(t.oid) && [...(parents.get(t.oid) ?? [])].every((p) => done.has(p)),
    );
    if (!ready) {
      const left = tables.filter((t) => !done.has(t.oid)).map((t) => t.name);
      throw new Error(`foreign keys form a cycle between ${left.join(', ')}: no restore order`);
    }
    ordered.push(ready);
    done.add(ready.oid);
  }
  return ordered;
}

async function catalogueSequences(client: pg.ClientBase): Promise<{ schema: string; name: string }[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND n.nspname IN ('public', $1) ORDER BY 1, 2`,
    [MIGRATIONS_SCHEMA],
  );
  return rows;
}

async function appliedMigrations(client: pg.ClientBase): Promise<string[] | undefined> {
  const { rows } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    ident(MIGRATIONS_SCHEMA, MIGRATIONS_TABLE),
  ]);
  if (!rows[0]?.present) return undefined;
  const applied = await client.query<{ hash: string }>(
    `SELECT hash FROM ${ident(MIGRATIONS_SCHEMA, MIGRATIONS_TABLE)} ORDER BY created_at, id`,
  );
  return applied.rows.map((r) => r.hash);
}

// ---------------------------------------------------------------------------------------------
// backup

/**
 * Writes the whole database to `file` (through `file.partial`, renamed at the end: a failed
 * backup leaves no file that looks complete). One REPEATABLE READ READ ONLY transaction: every
 * table comes from the same snapshot, while the servers go on writing.
 */
export async function backupDatabase(pool: pg.Pool, file: string): Promise<BackupSummary> {
  const started = Date.now();
  const partial = `${file}.partial`;
  const client = await pool.connect();
  let ok = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query(PORTABLE_TEXT);
    // The first query takes the snapshot; sequences are read after it, so their values are at
    // least every id the snapshot can see (sequences are not transactional).
    const migrations = await appliedMigrations(client);
    if (!migrations?.length) {
      throw new BackupError('empty_source', 'the database has no migrations applied: nothing to back up');
    }
    const catalogue = await catalogueTables(client);
    const tables: TableInfo[] = [];
    for (const t of catalogue) {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${ident(t.schema, t.name)}`,
      );
      tables.push({ schema: t.schema, name: t.name, columns: t.columns, rows: Number(rows[0]?.n ?? 0) });
    }
    const sequences: BackupHeader['sequences'] = [];
    for (const s of await catalogueSequences(client)) {
      const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text AS last_value, is_called FROM ${ident(s.schema, s.name)}`,
      );
      sequences.push({ ...s, value: rows[0]?.last_value ?? '1', is_called: rows[0]?.is_called ?? false });
    }
    const version = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      created_at: new Date().toISOString(),
      server_version: version.rows[0]?.v ?? 'unknown',
      schema_version: migrations.length,
      migrations,
      tables,
      sequences,
    };

    const hash = createHash('sha256');
    const gzip = zlib.createGzip({ level: 6 });
    const written = pipeline(gzip, fs.createWriteStream(partial, { mode: 0o600 }));
    written.catch(() => {}); // awaited below; a write error also fails the next write
    const write = async (chunk: Buffer) => {
      hash.update(chunk);
      if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), written]);
    };
    await write(Buffer.from(`${JSON.stringify(header)}\n`));
    for (const t of tables) {
      const stream = client.query(
        copyTo(`COPY ${ident(t.schema, t.name)} (${columnList(t.columns)}) TO STDOUT`),
      );
      for await (const chunk of stream) await write(chunk as Buffer);
      if (stream.rowCount !== t.rows) {
        throw new Error(`${t.name}: COPY gave ${stream.rowCount} rows where the snapshot counted ${t.rows}`);
      }
      await write(END_OF_DATA);
    }
    const sha256 = hash.digest('hex');
    gzip.end(`${JSON.stringify({ sha256 })}\n`);
    await written;
    await client.query('COMMIT');
    await rename(partial, file);
    ok = true;
    return {
      file,
      bytes: (await stat(file)).size,
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      sha256,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (!ok) {
      await client.query('ROLLBACK').catch(() => {});
      await rm(partial, { force: true });
    }
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// reading a backup

type ReadEvent =
  | { kind: 'header'; header: BackupHeader }
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'end'; rows: number }
  | { kind: 'trailer'; sha256: string };

const corrupt = (why: string) =>
  new BackupError('corrupt', `the backup file is damaged or incomplete: ${why}`);

/** The gunzipped bytes of `file`, with zlib's complaints turned into our refusal. */
async function* gunzipped(file: string, chunkBytes?: number): AsyncGenerator<Buffer> {
  const input = fs.createReadStream(file);
  const gunzip = zlib.createGunzip(chunkBytes ? { chunkSize: chunkBytes } : {});
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') {
      throw new BackupError('format', `cannot read ${file}: ${e.message}`);
    }
    if (e.code === 'Z_DATA_ERROR' && /incorrect header check/.test(e.message)) {
      throw new BackupError('format', `${file} is not a Journeybee backup (not gzip data)`);
    }
    throw corrupt(`${e.message} (gzip)`);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * Parses a backup as it streams: the header, each table's data (in chunks, cut anywhere), the end
 * of each table with its row count, and the trailer with the checksum it claims. Checks the
 * framing (header, as many sections as tables, one trailer, nothing after it); the caller checks
 * the checksum against `sha256` of what it got (the event `trailer` carries both).
 */
async function* readBackup(
  file: string,
  chunkBytes?: number,
): AsyncGenerator<ReadEvent & { computed?: string }> {
  const hash = createHash('sha256');
  let state: 'header' | 'section' | 'trailer' | 'done' = 'header';
  let header: BackupHeader | undefined;
  let section = 0;
  let rows = 0;
  let lineStart = true;
  let pending: Buffer = Buffer.alloc(0);
  let trailer: Buffer = Buffer.alloc(0);

  for await (const chunk of gunzipped(file, chunkBytes)) {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    let pos = 0;
    let hashFrom = 0;
    while (pos < buf.length) {
      if (state === 'header') {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) {
          if (buf.length > MAX_HEADER_BYTES)
            throw new BackupError('format', 'not a Journeybee backup (no header)');
          pending = buf;
          hashFrom = buf.length; // hashed when the line is complete
          break;
        }
        header = parseHeader(buf.subarray(0, nl));
        yield { kind: 'header', header };
        pos = nl + 1;
        state = header.tables.length ? 'section' : 'trailer';
        if (state === 'trailer') {
          hash.update(buf.subarray(hashFrom, pos));
          hashFrom = pos;
        }
        continue;
      }
      if (state === 'section') {
        const segment = pos;
        let ended = false;
        let waiting = false;
        while (pos < buf.length) {
          if (lineStart) {
            const left = buf.length - pos;
            if (left < END_OF_DATA.length && END_OF_DATA.subarray(0, left).equals(buf.subarray(pos))) {
              waiting = true; // maybe the end marker, cut by the chunk: decide with the next one
              break;
            }
            if (buf.subarray(pos, pos + END_OF_DATA.length).equals(END_OF_DATA)) {
              ended = true;
              break;
            }
          }
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            pos = buf.length;
            lineStart = false;
            break;
          }
          rows += 1;
          pos = nl + 1;
          lineStart = true;
        }
        if (pos > segment) yield { kind: 'data', chunk: buf.subarray(segment, pos) };
        if (waiting) {
          pending = buf.subarray(pos);
          hash.update(buf.subarray(hashFrom, pos));
          hashFrom = buf.length;
          break;
        }
        if (ended) {
          pos += END_OF_DATA.length;
          yield { kind: 'end', rows };
          rows = 0;
          section += 1;
          if (header && section >= header.tables.length) {
            state = 'trailer';
            hash.update(buf.subarray(hashFrom, pos));
            hashFrom = pos;
          }
        }
        continue;
      }
      if (state === 'trailer') {
        const nl = buf.indexOf(10, pos);
        const end = nl < 0 ? buf.length : nl;
        trailer = Buffer.concat([trailer, buf.subarray(pos, end)]);
        if (trailer.length > MAX_TRAILER_BYTES)
          throw corrupt('data after the last table where the checksum belongs');
        pos = end;
        hashFrom = buf.length;
        if (nl >= 0) {
          pos = nl + 1;
          state = 'done';
          const sha256 = parseTrailer(trailer);
          yield { kind: 'trailer', sha256, computed: hash.digest('hex') };
        }
        continue;
      }
      throw corrupt('data after the checksum');
    }
    if (state !== 'trailer' && state !== 'done' && hashFrom < buf.length) hash.update(buf.subarray(hashFrom));
  }
  if (state === 'header') throw new BackupError('format', 'not a Journeybee backup (no header)');
  if (state !== 'done') throw corrupt('the file ends before its checksum (truncated?)');
}

function parseHeader(line: Buffer): BackupHeader {
  let json: unknown;
  try {
    json = JSON.parse(line.toString('utf8'));
  } catch {
    throw new BackupError('format', 'not a Journeybee backup (its first line is not JSON)');
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== BACKUP_FORMAT)
    throw new BackupError('format', 'not a Journeybee backup (no "journeybee-backup" header)');
  const version = (json as { version?: unknown }).version;
  if (version !== BACKUP_VERSION) {
    throw new BackupError(
      'format',
      `backup format version ${String(version)} is not supported (this release reads ${BACKUP_VERSION})`,
    );
  }
  const parsed = Header.safeParse(json);
  if (!parsed.success) throw corrupt('its header is malformed');
  return parsed.data;
}

function parseTrailer(line: Buffer): string {
  try {
    const sha256 = (JSON.parse(line.toString('utf8')) as { sha256?: unknown }).sha256;
    if (typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256)) return sha256;
  } catch {}
  throw corrupt('its checksum line is malformed');
}

/**
 * Reads the whole file and checks framing, row counts and checksum; writes nothing.
 * `chunkBytes`: the size of the pieces it parses (tests cut the content everywhere with small ones).
 */
export async function verifyBackup(
  file: string,
  chunkBytes?: number,
): Promise<{ header: BackupHeader; sha256: string }> {
  let header: BackupHeader | undefined;
  let section = 0;
  for await (const event of readBackup(file, chunkBytes)) {
    if (event.kind === 'header') header = event.header;
    else if (event.kind === 'end') {
      const table = header?.tables[section];
      if (table && event.rows !== table.rows) {
        throw corrupt(`table ${table.name} has ${event.rows} rows where the header says ${table.rows}`);
      }
      section += 1;
    } else if (event.kind === 'trailer') {
      if (event.sha256 !== event.computed) throw corrupt('the SHA-256 checksum does not match its content');
      if (!header) throw corrupt('no header');
      return { header, sha256: event.sha256 };
    }
  }
  throw corrupt('the file ends before its checksum (truncated?)');
}

// ---------------------------------------------------------------------------------------------
// restore

export interface RestoreOptions {
  /** Replace the data of a non-empty instance (every table is emptied in the same transaction). */
  force?: boolean;
  /** Migrations this release has (committedMigrationCount): the backup must have exactly these. */
  schemaVersion: number;
  /** What verifyBackup(file) returned, when the caller checked the file already. */
  checked?: { header: BackupHeader; sha256: string };
}

/** The file's schema version is this release's, or the refusal that says what to do. */
export function checkSchemaVersion(header: BackupHeader, schemaVersion: number): void {
  if (header.schema_version !== schemaVersion) {
    throw new BackupError(
      'schema',
      `the backup has schema version ${header.schema_version} (migrations applied) and this release has ${schemaVersion}: ` +
        `restore it with the release that made it, then upgrade that instance to this release`,
    );
  }
}

/**
 * Loads `file` into the database, which must be migrated to the backup's schema version. The
 * file is read twice: once to check it completely (nothing is written if it is damaged), then
 * to load it, in one transaction that also checks the checksum again before it commits.
 */
export async function restoreDatabase(
  pool: pg.Pool,
  file: string,
  opts: RestoreOptions,
): Promise<BackupSummary> {
  const started = Date.now();
  const { header, sha256 } = opts.checked ?? (await verifyBackup(file));
  checkSchemaVersion(header, opts.schemaVersion);
  const client = await pool.connect();
  let open = false;
  try {
    const target = await appliedMigrations(client);
    if (!target || target.join() !== header.migrations.join()) {
      throw new BackupError(
        'schema',
        "the database's applied migrations differ from the backup's: restore with the release that made the backup",
      );
    }
    await refuseWhenServersRun(client);
    await client.query('BEGIN');
    open = true;
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query(PORTABLE_TEXT);
    const catalogue = await catalogueTables(client);
    checkSameTables(catalogue, header.tables);
    // Nothing else reads or writes any table until we commit (a server started meanwhile waits).
    await client.query(
      `LOCK TABLE ${catalogue.map((t) => ident(t.schema, t.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`,
    );
    if (!opts.force) await refuseWhenNotEmpty(client, catalogue);
    await client.query(`TRUNCATE ${catalogue.map((t) => ident(t.schema, t.name)).join(', ')}`);
    // User triggers (leads_count_live keeps lead_counters) must not fire: their tables are
    // restored as they were. Foreign keys stay checked, hence the parents-first order.
    const triggered = catalogue.filter((t) => t.hasUserTriggers);
    for (const t of triggered)
      await client.query(`ALTER TABLE ${ident(t.schema, t.name)} DISABLE TRIGGER USER`);
    // As pg_restore does: indexes are built once after the load, far faster than row by row
    // (the trigram search index above all). Those behind a constraint (primary keys, unique
    // constraints, what foreign keys use) stay, so every constraint is checked during the load.
    const indexes = await client.query<{ name: string; def: string }>(
      `SELECT format('%I.%I', n.nspname, ic.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE i.indrelid = ANY($1::oid[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1`,
      [catalogue.map((t) => t.oid)],
    );
    for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);

    await loadSections(client, file, header, sha256);
    await client.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
    for (const index of indexes.rows) await client.query(index.def);
    for (const t of triggered)
      await client.query(`ALTER TABLE ${ident(t.schema, t.name)} ENABLE TRIGGER USER`);
    for (const s of header.sequences) {
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [
        ident(s.schema, s.name),
        s.value,
        s.is_called,
      ]);
    }
    await client.query('COMMIT');
    open = false;
    return {
      file,
      bytes: (await stat(file)).size,
      tables: header.tables.length,
      rows: header.tables.reduce((n, t) => n + t.rows, 0),
      sha256,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    if (pgCode(err) === '55P03') {
      throw new BackupError(
        'busy',
        'a table is in use (is a server running?): stop the servers, then restore',
      );
    }
    throw err;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => {});
    // A connection left mid-COPY is not reusable.
    client.release(open ? true : undefined);
  }
}

/**
 * The second read of the file: each table's section into `COPY … FROM STDIN`, streamed with
 * backpressure. A failure names the table; the caller's transaction then rolls everything back.
 */
async function loadSections(client: pg.PoolClient, file: string, header: BackupHeader, sha256: string) {
  let section = 0;
  let copy: ReturnType<typeof copyFrom> | undefined;
  let copyError: Error | undefined;
  try {
    for await (const event of readBackup(file)) {
      if (event.kind === 'header') {
        if (JSON.stringify(event.header) !== JSON.stringify(header))
          throw corrupt('the file changed while it was read');
      } else if (event.kind === 'data') {
        if (!copy) {
          const t = header.tables[section] as TableInfo;
          copy = client.query(
            copyFrom(`COPY ${ident(t.schema, t.name)} (${columnList(t.columns)}) FROM STDIN`),
          );
          copy.on('error', (err) => {
            copyError = err;
          });
        }
        if (copyError) throw copyError;
        if (!copy.write(event.chunk)) await once(copy, 'drain');
      } else if (event.kind === 'end') {
        const t = header.tables[section] as TableInfo;
        if (copy) {
          copy.end();
          await finished(copy);
          if (copyError) throw copyError;
          if (copy.rowCount !== t.rows)
            throw corrupt(`table ${t.name} loaded ${copy.rowCount} rows of ${t.rows}`);
        } else if (t.rows !== 0) throw corrupt(`table ${t.name} has no rows where the header says ${t.rows}`);
        copy = undefined;
        section += 1;
      } else if (event.kind === 'trailer') {
        if (event.sha256 !== sha256 || event.computed !== sha256)
          throw corrupt('the file changed while it was read');
      }
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'load',
      `loading table ${header.tables[section]?.name ?? '?'} failed, so nothing was restored (the instance is as it was): ${(err as Error).message}`,
    );
  }
}

const pgCode = (err: unknown) => (err as { code?: unknown } | null)?.code;

/** A restore is for a stopped instance: no other Journeybee connection to this database. */
async function refuseWhenServersRun(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'journeybee%'`,
  );
  const n = rows[0]?.n ?? 0;
  if (n > 0) {
    throw new BackupError(
      'busy',
      `${n} other Journeybee connection(s) use this database (a server is running?): stop the servers, then restore`,
    );
  }
}

function checkSameTables(catalogue: CatalogueTable[], tables: TableInfo[]): void {
  const key = (t: { schema: string; name: string; columns: string[] }) =>
    `${t.schema}.${t.name}(${t.columns.join(',')})`;
  const here = new Set(catalogue.map(key));
  const there = new Set(tables.map(key));
  const missing = [...there].filter((k) => !here.has(k));
  const extra = [...here].filter((k) => !there.has(k));
  if (missing.length || extra.length) {
    throw new BackupError(
      'schema',
      `the database's tables differ from the backup's (${[...missing, ...extra].slice(0, 3).join('; ')}): restore with the release that made the backup`,
    );
  }
}

async function refuseWhenNotEmpty(client: pg.ClientBase, catalogue: CatalogueTable[]): Promise<void> {
  const data = catalogue.filter((t) => t.schema === 'public' && !REFERENCE_TABLES.includes(t.name));
  const used: string[] = [];
  for (const t of data) {
    const { rows } = await client.query<{ used: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${ident(t.schema, t.name)}) AS used`,
    );
    if (rows[0]?.used) used.push(t.name);
  }
  if (used.length) {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM companies');
    throw new BackupError(
      'not_empty',
      `the instance is not empty (${rows[0]?.n ?? 0} companies; rows in ${used.slice(0, 5).join(', ')}${used.length > 5 ? ', …' : ''}): ` +
        'restore refuses to overwrite it; pass --force to replace all of its data with the backup',
    );
  }
}
