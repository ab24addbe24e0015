import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import type { FieldProblems } from '../../core/field-problems.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import type { PartnerType } from '../../db/schema/index.js';
import type { EventType } from '../events/index.js';
import { leadPayloadJson, leadRowsFrom, type PayloadSources } from './leads.payload.js';
import { LEAD_MESSAGES } from './leads.schemas.js';

// Shared by the lead and deal commands: one definition each, in core/ and db/.
export { type IdCheck, idProblems } from '../../core/field-problems.js';
export { foundIds, unnestIds } from '../../db/statement.js';

// What the lead commands (leads.create.ts, leads.update.ts, leads.delete.ts) share: the
// caller, the id checks of their rules, the SQL pieces of their facts and writes.

export type Caller = Pick<AuthContext, 'companyId' | 'userId' | 'keyId'>;

export const leadNotFound = () => new ApiError('not_found', LEAD_MESSAGES.notFound);

// ---- facts ----

// ---- rules ----

export function noPartnership(problems: FieldProblems, type: PartnerType, id: number): void {
  problems.add(
    ['partnershipLead', 'partnership_id'],
    `no accepted ${type} partnership of your company with id ${id}`,
  );
}

// ---- write ----

/** The unique index behind the duplicate rule (own leads only; a partner's copy is exempt). */
const DUPLICATE_INDEX = 'leads_company_email_live_key';

/** Runs a write; a second live lead with the same email becomes the seed's 409. */
export async function duplicateChecked<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err) && pgConstraint(err) === DUPLICATE_INDEX) {
      throw new ApiError('conflict', LEAD_MESSAGES.duplicate);
    }
    throw err;
  }
}

/** Empty payload sources, for what a lead does not have (a new lead's users, a copy's tags…). */
export const NO_ROWS = {
  tagIds: sql`(SELECT NULL::int AS tag_id WHERE false)`,
  userIds: sql`(SELECT NULL::int AS user_id WHERE false)`,
  partnershipLeads: sql`(SELECT * FROM partnership_leads WHERE false)`,
} satisfies PayloadSources;

export interface LeadEvent {
  /** The lead rows the statement wrote (a CTE's name); the event is the one of lead `id`. */
  from: SQL;
  id: number;
  type: EventType;
  apiKeyId: number | null;
  actorUserId: number | null;
  /** The internal `EventMeta` (json), or none. */
  meta?: SQL | undefined;
  sources: PayloadSources;
}

/** A row for `outboxInsert`: the event of one lead the statement wrote, `{ lead }` as payload. */
export function leadEvent(e: LeadEvent): SQL {
  return sql`SELECT l.company_id, ${e.type}::text,
      json_build_object('lead', ${leadPayloadJson(e.sources)})::jsonb,
      ${e.apiKeyId}::int, ${e.actorUserId}::int, (${e.meta ?? sql`NULL`})::jsonb
    FROM ${leadRowsFrom(e.from)} WHERE l.id = ${e.id}::int`;
}
