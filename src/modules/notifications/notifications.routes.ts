import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import type { NotificationHub } from './notifications.hub.js';
import {
  ListNotificationsQuery,
  Notification,
  NotificationsUserQuery,
  ReadAllResult,
  StreamHeaders,
} from './notifications.schemas.js';
import type { NotificationService } from './notifications.service.js';

const tags = ['Notifications'];
const NoBody = z.strictObject({}).nullish().describe('No body is needed');
const userErrors = {
  400: errorBody.describe('Invalid request, or the API key was created without a user'),
  403: errorBody.describe("`userId` names another user, and the key is not an admin's"),
  404: errorBody.describe('`userId` is not a user of your company'),
} as const;
const notFoundResponse = { 404: errorBody.describe('No such notification of yours') };

/** What the SSE response carries, for the OpenAPI document. */
const STREAM_DESCRIPTION = [
  "A `text/event-stream` (Server-Sent Events) of the notifications of the key's user (or `userId`):",
  'one event per notification, `id:` its id, `event: notification`, `data:` the Notification object as JSON.',
  'A comment line (`: heartbeat`) every 15 seconds keeps proxies from closing the connection.',
  'Reconnect with `Last-Event-ID` (EventSource does) to receive first every notification after that id,',
  'then live ones: nothing committed in between is missed. A notification reaches every open stream within',
  'a second, whichever server process wrote it. The stream ends when the server shuts down or the key is',
  'revoked; the request counts once against the rate limit.',
].join(' ');

export const notificationsRoutes: FastifyPluginAsyncZod<{
  notifications: NotificationService;
  hub: NotificationHub;
  /** A stream opened with a session ends once the session does (logout, deactivation). */
  sessions: { usable(id: number): Promise<boolean> };
}> = async (app, { notifications, hub, sessions }) => {
  app.get(
    '/notifications',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listNotifications',
        tags,
        summary: 'List your notifications',
        description:
          "Newest first: the key's user's notifications, or, with an admin's key, those of `userId`.",
        querystring: ListNotificationsQuery,
        response: { 200: listOf(Notification), ...readErrors, ...userErrors },
      },
    },
    (req) => notifications.list(req.auth, req.query),
  );

  app.get(
    '/notifications/stream',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'streamNotifications',
        tags,
        summary: 'Stream your notifications (Server-Sent Events)',
        description: STREAM_DESCRIPTION,
        querystring: NotificationsUserQuery,
        headers: StreamHeaders,
        response: {
          200: {
            description: 'The event stream; it stays open',
            content: {
              'text/event-stream': {
                schema: z.string().meta({
                  example: 'id: 42\nevent: notification\ndata: {"id":42,"type":"lead_received",…}\n\n',
                }),
              },
            },
          },
          ...readErrors,
          ...userErrors,
        },
      },
    },
    async (req, reply) => {
      const userId = await notifications.targetUser(req.auth, req.query.userId);
      reply.headers({
        'Content-Type': 'text/event-stream; charset=utf-8',
        // Never cached, transformed, compressed or buffered by a proxy (nginx honours X-Accel-Buffering).
        'Cache-Control': 'no-cache, no-transform',
        'X-Accel-Buffering': 'no',
        // The connection belongs to the stream: when the stream ends (shutdown), so does the socket.
        Connection: 'close',
      });
      if (req.method === 'HEAD') return reply.send(undefined as never);
      const stream = await hub.open(userId, {
        lastEventId: req.headers['last-event-id'],
        response: reply.raw,
        stillAllowed: () =>
          req.auth.sessionId !== null
            ? sessions.usable(req.auth.sessionId)
            : notifications.keyUsable(req.auth.keyId ?? 0),
      });
      return reply.send(stream.body as never);
    },
  );

  app.post(
    '/notifications/:id/read',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'markNotificationRead',
        tags,
        summary: 'Mark a notification read',
        description: 'Idempotent: a notification already read keeps its first `read_at`.',
        params: idParam('notifications'),
        body: NoBody,
        response: { 200: Notification, ...writeErrors, ...notFoundResponse },
      },
    },
    (req) => notifications.markRead(req.auth, req.params.id),
  );

  app.post(
    '/notifications/read-all',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'markAllNotificationsRead',
        tags,
        summary: 'Mark all your notifications read',
        body: NoBody,
        response: { 200: ReadAllResult, ...writeErrors },
      },
    },
    (req) => notifications.markAllRead(req.auth),
  );
};
