/**
 * GET /v1/export as a stream: read as the client reads it (a client that stops reading holds the
 * server mid-export), and a client that hangs up ends the export's transaction and gives its
 * connection back to the pool. HEAD sends the headers only.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';

const ctx = useTestApp({}, { relay: false });
const LEADS = 20_000;

/** Sessions of this database inside an export's transaction (its last statement used the cursor). */
async function openTransactions(): Promise<number> {
  const { rows } = await ctx.t.database.pool.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
       AND query LIKE '%export_cursor%'`,
  );
  return rows[0].n;
}

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /v1/export: streaming', () => {
  it('a client that hangs up mid-export ends its transaction and frees its connection', async () => {
    const t = await makeTenant(ctx.t.database.db);
    // Enough rows (≈ 10 MB) that the export cannot fit in the socket buffers at once.
    await ctx.t.database.pool.query(
      `INSERT INTO leads (company_id, email, company_name, source, association_type)
       SELECT $1, 'l' || g || '@stream.test', 'Company ' || g || repeat('x', 300), 'manual', 'campaigns'
       FROM generate_series(1, $2::int) g`,
      [t.company.id, LEADS],
    );
    const controller = new AbortController();
    const res = await fetch(`${ctx.t.api.baseUrl}/v1/export`, {
      headers: { authorization: `Bearer ${t.readKey}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split('\n')[0]).toMatch(/^\{"type":"export"/);
    // Not reading: the server waits in its snapshot for the client to drain.
    await new Promise((r) => setTimeout(r, 300));
    expect(await openTransactions()).toBe(1);
    controller.abort();
    await until(async () => (await openTransactions()) === 0, 10_000, 'the export transaction to end');
    await until(
      async () => ctx.t.database.pool.idleCount === ctx.t.database.pool.totalCount,
      10_000,
      'the pool',
    );
    // And the next export runs to its end line.
    const again = await ctx.t.api.get('/v1/export', { key: t.readKey });
    const lines = again.text.trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'end', data: { counts: { lead: LEADS } } });
    expect(lines.filter((l) => l.startsWith('{"type":"lead",'))).toHaveLength(LEADS);
  });

  it('HEAD sends the headers, not the export', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const res = await fetch(`${ctx.t.api.baseUrl}/v1/export`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${t.readKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="journeybee-export-\d+-/);
    expect(await res.text()).toBe('');
  });
});
