import { type SQL, sql } from 'drizzle-orm';
import { ApiError, MESSAGES, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import { outboxInsert } from '../../db/outbox.js';
import { isoText, queryRows } from '../../db/statement.js';
import type { UserRow } from './users.repository.js';
import type { CreateUserInput, UpdateUserInput } from './users.schemas.js';

// The user write commands, each `rules → write` in one statement. They need no facts statement:
// what could refuse them is the database's to know at the moment of the write, and it says so
// there. An email taken in the company is the unique index (23505 → 409); the last active admin
// is `users_keep_an_admin` (migration 0013), called in the WHERE clause of a demoting write: it
// locks the company row and re-counts its active admins in a fresh snapshot, so two admins
// demoting each other at once cannot both succeed (→ 409); a user that is not there (or not the
// company's) is a write that changed no row (→ 404).

const duplicateEmail = (email: string) =>
  new ApiError('conflict', `A user with email '${email}' already exists in this company`);

/** The database's refusals of a user write, as the API says them. */
function refusal(err: unknown, email: string | undefined): unknown {
  if (pgConstraint(err) === 'users_keep_an_admin') return new ApiError('conflict', MESSAGES.lastAdmin);
  if (isUniqueViolation(err)) return duplicateEmail(email ?? '');
  return err;
}

async function run(db: Db, statement: SQL, email?: string): Promise<UserRow[]> {
  try {
    return await queryRows<UserRow>(db, statement);
  } catch (err) {
    throw refusal(err, email);
  }
}

/** The columns a create or an update may set, in the table's order. */
const WRITABLE = [
  'email',
  'first_name',
  'last_name',
  'role',
  'position',
  'phone_number',
  'meeting_link',
  'color',
  'disabled_at',
] as const;
type Writable = (typeof WRITABLE)[number];
export type UserChanges = Partial<Record<Writable, string | Date | null>>;

/** The fields sent (undefined ones are left out: a create leaves them to their defaults). */
function changesOf(input: Partial<Record<Writable, unknown>>): UserChanges {
  const changes: UserChanges = {};
  for (const column of WRITABLE) {
    const value = input[column];
    if (value !== undefined) changes[column] = value as string | Date | null;
  }
  return changes;
}

const iso = (column: string) => isoText(sql.raw(`u.${column}`));

/** The API's User object of the row `u`, as `z.encode(User, row)` writes it: the `users.create` payload. */
const userJson = sql`jsonb_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
  'first_name', u.first_name, 'last_name', u.last_name, 'role', u.role, 'position', u.position,
  'phone_number', u.phone_number, 'meeting_link', u.meeting_link, 'color', u.color,
  'disabled_at', ${iso('disabled_at')}, 'created_at', ${iso('created_at')}, 'updated_at', ${iso('updated_at')})`;

// ---- POST /v1/users ----

export interface CreatePlan {
  companyId: number;
  values: UserChanges;
  apiKeyId: number | null;
}

export function createRules(companyId: number, input: CreateUserInput, apiKeyId: number | null): CreatePlan {
  return { companyId, values: changesOf(input), apiKeyId };
}

/** The user and its `users.create` event (`{user}`: the public fields), in one statement. */
export async function createWrite(db: Db, plan: CreatePlan): Promise<UserRow> {
  const columns = Object.keys(plan.values) as Writable[];
  const [row] = await run(
    db,
    sql`WITH u AS (
        INSERT INTO users (company_id, ${sql.join(
          columns.map((c) => sql.identifier(c)),
          sql`, `,
        )})
        VALUES (${plan.companyId}, ${sql.join(
          columns.map((c) => sql`${plan.values[c]}`),
          sql`, `,
        )})
        RETURNING *),
      outbox AS (${outboxInsert(sql`SELECT u.company_id, 'users.create', jsonb_build_object('user', ${userJson}),
          ${plan.apiKeyId}::int, NULL::int, NULL::jsonb FROM u`)})
      SELECT * FROM u`,
    plan.values.email as string,
  );
  return row!;
}

// ---- PATCH /v1/users/{id} ----

export type UpdatePlan =
  /** An empty body changes nothing: the answer is the user as it is. */
  | { unchanged: true }
  | {
      changes: UserChanges;
      /** Takes the admin role away or deactivates: the write keeps the company an admin. */
      demotes: boolean;
      /** A deactivation ends the user's sessions for good (reactivating does not revive them). */
      endsSessions: boolean;
    };

export function updateRules(input: UpdateUserInput): UpdatePlan {
  const changes = changesOf(input);
  if (Object.keys(changes).length === 0) return { unchanged: true };
  const deactivates = Boolean(input.disabled_at);
  return {
    changes,
    demotes: (input.role !== undefined && input.role !== 'admin') || deactivates,
    endsSessions: deactivates,
  };
}

/** The user's sessions end with `target`'s row (none when the write changed no row). */
const endSessions = sql`UPDATE sessions SET revoked_at = now()
  WHERE user_id IN (SELECT id FROM target) AND revoked_at IS NULL`;

/** The changed user; undefined when the company has no such user. */
export async function updateWrite(
  db: Db,
  companyId: number,
  id: number,
  plan: Exclude<UpdatePlan, { unchanged: true }>,
): Promise<UserRow | undefined> {
  const set = Object.entries(plan.changes).map(
    ([column, value]) => sql`${sql.identifier(column)} = ${value}`,
  );
  const [row] = await run(
    db,
    sql`WITH target AS (
        UPDATE users SET ${sql.join(set, sql`, `)}, updated_at = now()
        WHERE id = ${id} AND company_id = ${companyId}
          ${plan.demotes ? sql`AND users_keep_an_admin(${companyId}::int, ${id}::int)` : sql``}
        RETURNING *)
      ${plan.endsSessions ? sql`, ended AS (${endSessions})` : sql``}
      SELECT * FROM target`,
    plan.changes.email as string | undefined,
  );
  return row;
}

// ---- DELETE /v1/users/{id} ----

/**
 * Deactivates an active user and ends its sessions, keeping the company an admin; a 404 when
 * the company has no such active user. (No rules: the guard and the row are the whole story.)
 */
export async function deactivateWrite(db: Db, companyId: number, id: number): Promise<void> {
  const rows = await run(
    db,
    sql`WITH target AS (
        UPDATE users SET disabled_at = now(), updated_at = now()
        WHERE id = ${id} AND company_id = ${companyId} AND disabled_at IS NULL
          AND users_keep_an_admin(${companyId}::int, ${id}::int)
        RETURNING id),
      ended AS (${endSessions})
      SELECT id FROM target`,
  );
  if (rows.length === 0) throw notFound('User');
}
