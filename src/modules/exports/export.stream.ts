import type pg from 'pg';
import { notFound } from '../../core/errors.js';
import { committedMigrationCount } from '../../db/migrations-count.js';
import { EXPORT_FORMAT, EXPORT_VERSION, RECORD_TYPES } from './export.types.js';

// A company's export as NDJSON lines, read in one REPEATABLE READ, READ ONLY transaction (one
// snapshot: a lead created meanwhile is either wholly in or wholly out) through a server-side
// cursor per type, FETCH_SIZE rows at a time. The generator yields one chunk of lines per fetch
// and fetches the next only when the consumer asks (an HTTP response's or a file's backpressure),
// so memory stays flat however many leads there are.

const FETCH_SIZE = 1000;

/** The export of company `companyId`: chunks of `\n`-terminated JSON lines. */
export async function* exportCompany(pool: pg.Pool, companyId: number): AsyncGenerator<string> {
  const client = await pool.connect();
  let committed = false;
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const head = await client.query<{ company: Record<string, unknown> }>(
      `SELECT jsonb_build_object('id', id, 'uuid', uuid, 'name', name) AS company FROM companies WHERE id = $1`,
      [companyId],
    );
    const company = head.rows[0]?.company;
    if (!company) throw notFound('Company');
    const header = {
      type: 'export',
      data: {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        schema_version: await committedMigrationCount(),
        exported_at: new Date().toISOString(),
        company,
      },
    };
    yield `${JSON.stringify(header)}\n`;
    const counts: Record<string, number> = {};
    for (const t of RECORD_TYPES) {
      counts[t.type] = 0;
      // The line is built by PostgreSQL (text, not parsed here): exact numbers, no per-row objects.
      await client.query(
        `DECLARE export_cursor NO SCROLL CURSOR FOR
         SELECT '{"type":"${t.type}","data":' || q.data::text || '}' AS line
         FROM (${t.select} ORDER BY ${t.order}) q`,
        [companyId],
      );
      for (;;) {
        const { rows } = await client.query<{ line: string }>(`FETCH ${FETCH_SIZE} FROM export_cursor`);
        if (rows.length === 0) break;
        counts[t.type] = (counts[t.type] ?? 0) + rows.length;
        let chunk = '';
        for (const r of rows) chunk += `${r.line}\n`;
        yield chunk;
      }
      await client.query('CLOSE export_cursor');
    }
    yield `${JSON.stringify({ type: 'end', data: { counts } })}\n`;
    await client.query('COMMIT');
    committed = true;
  } finally {
    // Also reached when the consumer stops early (a client that hung up: the generator's
    // return()) or a query failed. A client whose ROLLBACK fails is discarded, not pooled.
    if (!committed) {
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
    }
    client.release(broken);
  }
}
