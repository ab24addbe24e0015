import { z } from 'zod';
import { ApiError, MESSAGES, notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db, Tx } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import { sessionsRepository } from '../accounts/index.js';
import { recordEvents } from '../events/index.js';
import { type UserRow, usersRepository } from './users.repository.js';
import { type CreateUserInput, type ListUsersInput, type UpdateUserInput, User } from './users.schemas.js';

const duplicateEmail = (email: string) =>
  new ApiError('conflict', `A user with email '${email}' already exists in this company`);

export class UserService {
  constructor(private readonly db: Db) {}

  async getOrThrow(companyId: number, id: number): Promise<UserRow> {
    const row = await usersRepository.findById(this.db, companyId, id);
    if (!row) throw notFound('User');
    return row;
  }

  async list(companyId: number, q: ListUsersInput & Page) {
    const { rows, total } = await usersRepository.list(
      this.db,
      companyId,
      { search: q.search || undefined, role: q.role, includeDisabled: q.indirect !== undefined },
      q,
    );
    return { data: rows, meta: pageMeta(total, q.pageSize) };
  }

  /** Creates the user and its `users.create` event (`{user}`: the public fields) in one transaction. */
  async create(companyId: number, input: CreateUserInput, apiKeyId: number | null = null): Promise<UserRow> {
    try {
      return await this.db.transaction(async (tx) => {
        const row = await usersRepository.insert(tx, { company_id: companyId, ...input });
        const user = z.encode(User, row);
        await recordEvents(tx, [{ companyId, type: 'users.create', apiKeyId, payload: { user } }]);
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateEmail(input.email);
      throw err;
    }
  }

  async update(companyId: number, id: number, input: UpdateUserInput): Promise<UserRow> {
    if (Object.keys(input).length === 0) return this.getOrThrow(companyId, id);
    const demotes = (input.role !== undefined && input.role !== 'admin') || Boolean(input.disabled_at);
    try {
      return await this.db.transaction(async (tx) => {
        if (demotes) await this.keepAnAdmin(tx, companyId, id);
        const row = await usersRepository.update(tx, companyId, id, input);
        if (!row) throw notFound('User');
        // A deactivation ends the user's sessions for good (reactivating does not revive them).
        if (input.disabled_at) await sessionsRepository.revokeAllOfUser(tx, id);
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateEmail(input.email ?? '');
      throw err;
    }
  }

  /**
   * Refuses (409) to take the admin role from `userId`, or to deactivate it, when it is the
   * company's last active admin. The company row is locked first, so two admins demoting each
   * other at once cannot both succeed.
   */
  private async keepAnAdmin(tx: Tx, companyId: number, userId: number): Promise<void> {
    const others = await usersRepository.otherActiveAdmins(tx, companyId, userId);
    if (others.isActiveAdmin && others.count === 0) throw new ApiError('conflict', MESSAGES.lastAdmin);
  }

  /** Deactivates: the user keeps its history (leads, notes) but can no longer be assigned. */
  async deactivate(companyId: number, id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await usersRepository.findById(tx, companyId, id);
      if (!row || row.disabled_at) throw notFound('User');
      await this.keepAnAdmin(tx, companyId, id);
      await usersRepository.update(tx, companyId, id, { disabled_at: new Date() });
      await sessionsRepository.revokeAllOfUser(tx, id);
    });
  }
}
