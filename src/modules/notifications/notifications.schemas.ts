import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import { isoDateTime, objectId, positiveId, wholeNumber } from '../../core/schemas.js';
import { flag } from '../partners/index.js';
import { NOTIFICATION_TYPES } from './notifications.repository.js';

const userIdParam = positiveId
  .optional()
  .describe("Admin keys only: another user of your company (default: the key's user)");

export const NotificationsUserQuery = z.strictObject({ userId: userIdParam });

export const ListNotificationsQuery = z.strictObject({
  ...paginationQuery,
  unread: flag.describe('1: only unread notifications'),
  userId: userIdParam,
});

export const StreamHeaders = z.looseObject({
  'last-event-id': positiveId
    .optional()
    .describe('Resume: the stream first sends every notification with a larger id, then live ones'),
});

export const Notification = z
  .object({
    id: objectId.describe('Also the SSE event id'),
    uuid: z.string(),
    user_id: objectId.describe('The user it is for'),
    type: z.string().describe(`One of: ${NOTIFICATION_TYPES.join(', ')} (more may come)`),
    title: z.string(),
    body: z.string().nullable(),
    data: z
      .record(z.string(), z.unknown())
      .describe('What it is about: `lead_id`/`lead_uuid`, `note_id`, `partner_id`, …'),
    read_at: isoDateTime.nullable(),
    created_at: isoDateTime,
    updated_at: isoDateTime.describe('When it was read, else when it was created'),
  })
  .meta({ id: 'Notification' });

export const ReadAllResult = z
  .object({ updated: wholeNumber.describe('How many notifications were marked read') })
  .meta({ id: 'NotificationsReadAll' });

export type ListNotificationsInput = z.infer<typeof ListNotificationsQuery>;
export type NotificationOut = z.infer<typeof Notification>;
