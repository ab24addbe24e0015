import type { AuthContext } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import type { PartnershipStatus } from '../../db/schema/index.js';

// Rules the partner commands share: pure, no database.

/** Who sends a command: the company, the key's user (if any) and the key (if any). */
export type Caller = Pick<AuthContext, 'companyId' | 'userId'> & { keyId?: number | null };

export const notPending = (status: PartnershipStatus, what: string) =>
  new ApiError('conflict', `This partnership is ${status}: only a pending invitation can be ${what}`);
