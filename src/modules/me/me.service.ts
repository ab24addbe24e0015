import type { AuthContext } from '../../core/auth-context.js';
import { badRequest, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { sessionsRepository } from '../accounts/index.js';
import { apiKeysRepository } from '../api-keys/index.js';
import { companiesRepository } from '../companies/index.js';
import type { UpdateProfileInput } from '../users/index.js';
import { type UserRow, usersRepository } from '../users/index.js';

export const NO_USER_PROFILE =
  'This API key was created without a user, so it has no profile: use a key created by a user';

/** The caller: who they are, for whom they act, and how they authenticated. */
export class MeService {
  constructor(private readonly db: Db) {}

  async get(auth: AuthContext) {
    const [company, user, key, session] = await Promise.all([
      companiesRepository.findById(this.db, auth.companyId),
      auth.userId === null ? undefined : usersRepository.findById(this.db, auth.companyId, auth.userId),
      auth.keyId === null ? undefined : apiKeysRepository.findOne(this.db, auth.companyId, auth.keyId),
      auth.sessionId === null ? undefined : sessionsRepository.findById(this.db, auth.sessionId),
    ]);
    if (!company || !(key || session)) throw notFound('Company');
    const authentication = session
      ? {
          type: 'session' as const,
          session: { id: session.id, created_at: session.created_at, expires_at: session.expires_at },
        }
      : {
          type: 'api_key' as const,
          api_key: {
            id: key!.id,
            name: key!.name,
            prefix: key!.prefix,
            permission: key!.permission,
            expires_at: key!.expires_at,
          },
        };
    return { company, user: user ?? null, role: auth.role, authentication };
  }

  async updateProfile(auth: AuthContext, input: UpdateProfileInput): Promise<UserRow> {
    if (auth.userId === null) throw badRequest(NO_USER_PROFILE);
    const row =
      Object.keys(input).length === 0
        ? await usersRepository.findById(this.db, auth.companyId, auth.userId)
        : await usersRepository.update(this.db, auth.companyId, auth.userId, input);
    if (!row) throw notFound('User');
    return row;
  }
}
