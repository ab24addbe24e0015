/**
 * Notifications across real `journeybee serve` processes (built dist/) on one PostgreSQL: a
 * stream held by one process sees what another process wrote within a second (each process has
 * its own LISTEN connection), and SIGTERM with open streams still exits promptly and cleanly.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { invite, SseClient } from '../helpers/notifications.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';

const ctx = useTestApp();
const db = () => ctx.t.database.db;
let writer: ServerProcess;
let reader: ServerProcess;

beforeAll(async () => {
  const env = childEnv(ctx.t.config.databaseUrl!, { LOG_LEVEL: 'warn' });
  [writer, reader] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
});

afterAll(async () => {
  await killChildren();
});

it("a partner's acceptance written by process A reaches a stream on process B within a second", async () => {
  const me = await makeTenant(db());
  const them = await makeTenant(db());
  const api = new ApiClient(writer.url);
  const invitation = await invite(api, me.writeKey, them);

  const stream = await SseClient.open(`${reader.url}/v1/notifications/stream`, me.readKey);
  expect(stream.status).toBe(200);
  await waitFor(() => stream.retries.length > 0, 2_000, 'the stream to open');
  const started = Date.now();
  await invitation.answer('accept');
  const event = await stream.waitFor((e) => e.event === 'notification', 1_000, 'the acceptance');
  expect(event.at - started).toBeLessThan(1_000);
  expect(JSON.parse(event.data)).toMatchObject({ type: 'partnership_accepted', user_id: me.admin.id });
  stream.close();
});

it('SIGTERM with open streams ends them and exits 0 promptly', async () => {
  const me = await makeTenant(db());
  const streams = await Promise.all(
    [1, 2, 3].map(() => SseClient.open(`${reader.url}/v1/notifications/stream`, me.readKey)),
  );
  await waitFor(() => streams.every((s) => s.retries.length > 0), 2_000, 'the streams to open');
  const started = Date.now();
  reader.kill('SIGTERM');
  const exit = await reader.waitForExit(5_000);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(3_000);
  await Promise.all(streams.map((s) => s.ended));
});
