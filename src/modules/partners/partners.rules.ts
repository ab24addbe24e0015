import type { AuthContext } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import type { FieldProblems } from '../../core/field-problems.js';
import type { PartnershipStatus } from '../../db/schema/index.js';

// Rules the partner commands share: pure, no database.

/** Who sends a command: the company, the key's user (if any) and the key (if any). */
export type Caller = Pick<AuthContext, 'companyId' | 'userId'> & { keyId?: number | null };

export const notPending = (status: PartnershipStatus, what: string) =>
  new ApiError('conflict', `This partnership is ${status}: only a pending invitation can be ${what}`);

/** The partner's domain is the caller's own: a 400 at `path`. */
export function ownCompany(problems: FieldProblems, path: PropertyKey[], domain: string): FieldProblems {
  problems.add(path, `'${domain}' is your own company's domain: a company cannot partner with itself`);
  return problems;
}
