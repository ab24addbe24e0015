import type { AuthContext, VerifiedKey } from '../../core/auth-context.js';
import { notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { companiesRepository } from '../companies/index.js';
import type { CreateApiKeyInput } from './api-keys.create.js';
import * as create from './api-keys.create.js';
import { generateApiKey, hashApiKey, hashesEqual, looksLikeApiKey } from './api-keys.crypto.js';
import { type ApiKeyListRow, type ApiKeyRow, apiKeysRepository } from './api-keys.repository.js';

export type { VerifiedKey };

export interface CreatedApiKey {
  /** As a list shows it: with the name of the user it acts as. */
  row: ApiKeyListRow;
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

  /**
   * A key for a company (the CLI, the seed): facts → rules → write. The full key is in the
   * result only.
   */
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const plan = create.rules(await create.facts(this.db, input), input);
    const key = generateApiKey();
    return { row: await create.write(this.db, plan, key, input), key };
  }

  /**
   * The caller's own key (`POST /v1/api-keys`), acting as the caller's user: its authentication
   * has just established the company and the user, so the command is its rules and its write.
   */
  async createForCaller(
    caller: Pick<AuthContext, 'companyId' | 'userId'>,
    body: Pick<CreateApiKeyInput, 'permission' | 'name' | 'expiresAt'>,
  ): Promise<CreatedApiKey> {
    const input = { ...body, companyId: caller.companyId, userId: caller.userId ?? undefined };
    const plan = create.rules(create.CALLER_FACTS, input);
    const key = generateApiKey();
    return { row: await create.write(this.db, plan, key, input), key };
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
