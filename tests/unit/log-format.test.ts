/**
 * The log format: pretty (pino-pretty) on a terminal, JSON lines otherwise; LOG_FORMAT forces one.
 * One run of the real built CLI (`node dist/cli/main.js serve`, run `npm run build` first) with
 * LOG_FORMAT=pretty shows pretty lines, and redaction holds in them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { chooseLogFormat } from '../../src/lib/logger.js';
import { createTestDatabase } from '../helpers/app.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';

describe('chooseLogFormat', () => {
  it('auto: pretty on a terminal, JSON when stdout is not a TTY', () => {
    expect(chooseLogFormat('auto', true)).toBe('pretty');
    expect(chooseLogFormat('auto', false)).toBe('json');
    expect(chooseLogFormat('auto', undefined)).toBe('json');
  });

  it('LOG_FORMAT=json or pretty wins over the terminal', () => {
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  it('LOG_FORMAT is parsed by the config: auto by default, anything else refused', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: '' }).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be 'auto', 'pretty' or 'json'/);
  });
});

describe('journeybee serve with LOG_FORMAT=pretty', () => {
  let drop: (() => Promise<void>) | undefined;
  let server: ServerProcess;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    server = await ServerProcess.start(childEnv(db.url, { LOG_FORMAT: 'pretty' }));
  }, 60_000);

  afterAll(async () => {
    await killChildren();
    await drop?.();
  });

  it('writes pretty lines, not JSON, and leaves the redacted headers out', async () => {
    const secret = `jb_secret_${Date.now()}`;
    const res = await fetch(`${server.url}/v1/leads`, {
      headers: { authorization: `Bearer ${secret}`, cookie: `jb_session=${secret}` },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    await waitFor(() => server.stdout.includes('request completed'), 5_000, 'the request log line');
    const lines = server.stdout.split('\n').filter((l) => l.length > 0);
    // "[12:34:56.789] INFO (1234): Journeybee listening on http://…": pino-pretty's layout.
    expect(server.stdout).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): Journeybee listening on http:\/\//m,
    );
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    expect(server.stdout).not.toContain(secret);
    server.kill('SIGTERM');
    expect(await server.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  });
});
