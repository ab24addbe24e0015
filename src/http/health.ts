import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody } from '../core/schemas.js';
import type { Database } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import { migrationsApplied } from '../db/migrate.js';
import { committedMigrationCount } from '../db/migrations-count.js';

// Never authenticated, never rate limited: load balancers poll these.
export const healthRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  const expected = await committedMigrationCount();

  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'checkLiveness',
        tags: ['Meta'],
        summary: 'Liveness: the process is up',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'checkReadiness',
        tags: ['Meta'],
        summary: 'Readiness: the database is reachable and migrated',
        security: [],
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: errorBody.describe('Not ready'),
        },
      },
    },
    async (request, reply) => {
      let ready = false;
      let reason = 'the database cannot be reached';
      try {
        ready = await migrationsApplied(database.pool, expected);
        if (!ready) reason = 'database migrations are not applied';
      } catch (err) {
        ready = false;
        // Counts as a sighting of the outage (logged once); the probe then watches for the end.
        if (!database.availability.report(err)) request.log.debug({ err }, 'readiness check failed');
        // Reachable, but drizzle's bookkeeping table is missing: nothing was ever migrated.
        const code = pgErrorCode(err);
        if (code === '42P01' || code === '3F000') reason = 'database migrations are not applied';
      }
      if (app.appState.shuttingDown) {
        ready = false;
        reason = 'the server is shutting down';
      }
      if (!ready) {
        // A custom serializer makes Fastify skip its default JSON content type: set it.
        return reply
          .code(503)
          .type('application/json; charset=utf-8')
          .serializer(JSON.stringify)
          .send({ error: `Service unavailable: ${reason}`, code: 'unavailable' });
      }
      return { status: 'ready' as const };
    },
  );
};
