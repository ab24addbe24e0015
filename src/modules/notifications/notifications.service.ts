import type { AuthContext } from '../../core/auth-context.js';
import { ApiError, badRequest, notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { type NotificationRow, notificationsRepository as repo } from './notifications.repository.js';
import type { ListNotificationsInput, NotificationOut } from './notifications.schemas.js';

type Caller = Pick<AuthContext, 'companyId' | 'userId' | 'role'>;

export const NO_USER_MESSAGE =
  'Notifications belong to users, and this API key was created without one: use a key created by a user';

export function toNotification(row: NotificationRow): NotificationOut {
  return {
    id: row.id,
    uuid: row.uuid,
    user_id: row.user_id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data as Record<string, unknown>,
    read_at: row.read_at,
    created_at: row.created_at,
    updated_at: row.read_at ?? row.created_at,
  };
}

/** Per-user notifications: an API key acts as the user who created it. */
export class NotificationService {
  constructor(private readonly db: Db) {}

  /** The key's user; or, for an admin's key, `requested` when it is a user of the same company. */
  async targetUser(caller: Caller, requested?: number): Promise<number> {
    if (caller.userId === null) throw badRequest(NO_USER_MESSAGE);
    if (requested === undefined || requested === caller.userId) return caller.userId;
    if (caller.role !== 'admin') {
      throw new ApiError('forbidden', "Only an admin's API key may read another user's notifications");
    }
    if (!(await repo.userRole(this.db, caller.companyId, requested))) throw notFound('User');
    return requested;
  }

  async list(caller: Caller, q: ListNotificationsInput & Page) {
    const userId = await this.targetUser(caller, q.userId);
    const { rows, total } = await repo.list(this.db, userId, q.unread === true, q);
    return { data: rows.map(toNotification), meta: pageMeta(total, q.pageSize) };
  }

  async markRead(caller: Caller, id: number): Promise<NotificationOut> {
    const row = await repo.markRead(this.db, await this.targetUser(caller), id);
    if (!row) throw notFound('Notification');
    return toNotification(row);
  }

  /** False once the key is revoked or expired: an open stream then ends. */
  keyUsable(keyId: number): Promise<boolean> {
    return repo.keyUsable(this.db, keyId);
  }

  async markAllRead(caller: Caller): Promise<{ updated: number }> {
    return { updated: await repo.markAllRead(this.db, await this.targetUser(caller)) };
  }
}
