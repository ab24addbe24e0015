import type { Config } from '../../config/index.js';
import { ApiError } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { hashToken, newToken } from '../../lib/tokens.js';
import { accountsRepository as repo } from './accounts.repository.js';
import { RESET_VALIDITY_MS } from './accounts.service.js';

/**
 * A reset link for the company's active user with this email, for the operator's CLI (the way
 * in when the server has no SMTP, and for users made by the API or the CLI, who have no password).
 */
export async function resetLinkFor(
  db: Db,
  config: Pick<Config, 'publicUrl'>,
  companyId: number,
  email: string,
) {
  const user = await repo.activeUserOfCompany(db, companyId, email);
  if (!user) throw new ApiError('not_found', `No active user <${email}> in company ${companyId}`);
  const token = newToken();
  const expiresAt = new Date(Date.now() + RESET_VALIDITY_MS);
  await repo.insertReset(db, { user_id: user.id, token_hash: hashToken(token), expires_at: expiresAt });
  return {
    userId: user.id,
    email: user.email,
    url: `${config.publicUrl}/reset-password/${token}`,
    expiresAt,
  };
}
