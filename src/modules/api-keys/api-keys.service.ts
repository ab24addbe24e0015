import type { AuthContext, VerifiedKey } from '../../core/auth-context.js';
import { ApiError, notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { companiesRepository } from '../companies/index.js';
import { usersRepository } from '../users/index.js';
import {
  displayPrefix,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  looksLikeApiKey,
} from './api-keys.crypto.js';
import { type ApiKeyListRow, type ApiKeyRow, apiKeysRepository } from './api-keys.repository.js';

export type { VerifiedKey };

export interface CreatedApiKey {
  row: ApiKeyRow;
  /** The full key: shown once, never stored. */
  key: string;
}

const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeyService {
  // Per process: when this process last wrote last_used_at for a key (the SQL guard makes it
  // at most once a minute across processes too).
  private readonly touchedAt = new Map<number, number>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /**
   * Looks the key up by its SHA-256 on every request (no cache), so a revocation made by any
   * process takes effect on the very next request.
   */
  async verify(presented: string): Promise<VerifiedKey | null> {
    if (!looksLikeApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    const row = await apiKeysRepository.findByHash(this.db, hash);
    if (!row || !hashesEqual(row.key_hash, hash)) return null;
    if (row.revoked_at) return null;
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) return null;
    // A key acts as its user: while that user is deactivated (or gone), the key is refused.
    if (row.user_id !== null && (!row.user_role || row.user_disabled_at)) return null;
    await this.touch(row.id);
    return {
      method: 'api_key',
      keyId: row.id,
      sessionId: null,
      keyUuid: row.uuid,
      companyId: row.company_id,
      userId: row.user_id,
      // An operator's key made without a user acts as the company's admin.
      role: row.user_role ?? 'admin',
      permission: row.permission,
    };
  }

  private async touch(id: number): Promise<void> {
    const now = Date.now();
    if (now - (this.touchedAt.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(id, now);
    try {
      await apiKeysRepository.touch(this.db, id);
    } catch (err) {
      // Bookkeeping only: never fail the request for it.
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not record api key use');
    }
  }

  async create(input: {
    companyId: number;
    permission: 'read' | 'write';
    name?: string | undefined;
    userId?: number | undefined;
    expiresAt?: Date | undefined;
  }): Promise<CreatedApiKey> {
    const company = await companiesRepository.findById(this.db, input.companyId);
    if (!company) throw notFound('Company');
    if (input.userId !== undefined) {
      const user = await usersRepository.findById(this.db, input.companyId, input.userId);
      if (!user)
        throw new ApiError(
          'bad_request',
          `User ${input.userId} does not belong to company ${input.companyId}`,
        );
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new ApiError('bad_request', 'Expiry must be in the future', [
        { path: 'expires_at', message: 'must be in the future' },
      ]);
    }
    const key = generateApiKey();
    const row = await apiKeysRepository.insert(this.db, {
      company_id: input.companyId,
      user_id: input.userId ?? null,
      name: input.name ?? null,
      prefix: displayPrefix(key),
      key_hash: hashApiKey(key),
      permission: input.permission,
      expires_at: input.expiresAt ?? null,
    });
    return { row, key };
  }

  async list(companyId: number): Promise<ApiKeyRow[]> {
    const company = await companiesRepository.findById(this.db, companyId);
    if (!company) throw notFound('Company');
    return apiKeysRepository.listByCompany(this.db, companyId);
  }

  async page(companyId: number, page: Page) {
    const { rows, total } = await apiKeysRepository.page(this.db, companyId, page);
    return { data: rows, meta: pageMeta(total, page.pageSize) };
  }

  async getOrThrow(companyId: number, id: number): Promise<ApiKeyListRow> {
    const row = await apiKeysRepository.findOne(this.db, companyId, id);
    if (!row) throw notFound('API key');
    return row;
  }

  /** Revokes one of the company's keys: refused from the next request on, by every process. */
  async revokeForCompany(companyId: number, id: number): Promise<void> {
    const row = await apiKeysRepository.revoke(this.db, id, companyId);
    if (!row) throw notFound('API key');
  }

  async revoke(id: number): Promise<ApiKeyRow> {
    const row = await apiKeysRepository.revoke(this.db, id);
    if (!row) throw notFound('API key');
    return row;
  }
}
