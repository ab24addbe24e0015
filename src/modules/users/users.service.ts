import { notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import * as commands from './users.commands.js';
import { type UserRow, usersRepository } from './users.repository.js';
import type { CreateUserInput, ListUsersInput, UpdateUserInput } from './users.schemas.js';

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

  /** Creates the user and its `users.create` event (`{user}`: the public fields), in one statement. */
  async create(companyId: number, input: CreateUserInput, apiKeyId: number | null = null): Promise<UserRow> {
    return commands.createWrite(this.db, commands.createRules(companyId, input, apiKeyId));
  }

  /** Changes the fields sent; refuses (409) to demote or deactivate the company's last active admin. */
  async update(companyId: number, id: number, input: UpdateUserInput): Promise<UserRow> {
    const plan = commands.updateRules(input);
    if ('unchanged' in plan) return this.getOrThrow(companyId, id);
    const row = await commands.updateWrite(this.db, companyId, id, plan);
    if (!row) throw notFound('User');
    return row;
  }

  /**
   * Deactivates: the user keeps its history (leads, notes) but can no longer be assigned, and its
   * sessions end. The last active admin cannot be deactivated (409).
   */
  async deactivate(companyId: number, id: number): Promise<void> {
    await commands.deactivateWrite(this.db, companyId, id);
  }
}
