import {
  aliasedTable,
  and,
  desc,
  eq,
  getTableColumns,
  gt,
  isNotNull,
  isNull,
  lte,
  type SQL,
  sql,
} from 'drizzle-orm';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Executor } from '../../../db/database.js';
import { companies, invitations, partnerships, users } from '../../../db/schema/index.js';

export type InvitationRow = typeof invitations.$inferSelect;
export type InvitationListRow = InvitationRow & { inviter_email: string | null };
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired' | 'all';

const pending = () =>
  and(
    isNull(invitations.accepted_at),
    isNull(invitations.revoked_at),
    gt(invitations.expires_at, sql`now()`),
  );

function statusWhere(status: InvitationStatus): SQL | undefined {
  switch (status) {
    case 'pending':
      return pending();
    case 'accepted':
      return isNotNull(invitations.accepted_at);
    case 'revoked':
      return and(isNull(invitations.accepted_at), isNotNull(invitations.revoked_at));
    case 'expired':
      return and(
        isNull(invitations.accepted_at),
        isNull(invitations.revoked_at),
        lte(invitations.expires_at, sql`now()`),
      );
    default:
      return undefined;
  }
}

const inviter = aliasedTable(users, 'inviter');
// The inviter is shown only when they belong to the invitation's company: a partner
// invitation is made by another tenant's user, who stays theirs.
const withInviter = { ...getTableColumns(invitations), inviter_email: inviter.email };
const inviterJoin = and(
  eq(inviter.id, invitations.invited_by_user_id),
  eq(inviter.company_id, invitations.company_id),
);

export const invitationsRepository = {
  async insert(db: Executor, values: typeof invitations.$inferInsert): Promise<InvitationRow> {
    const [row] = await db.insert(invitations).values(values).returning();
    return row!;
  },

  async page(db: Executor, companyId: number, status: InvitationStatus, page: Page) {
    const where = and(eq(invitations.company_id, companyId), statusWhere(status));
    const [rows, [count]] = await Promise.all([
      db
        .select(withInviter)
        .from(invitations)
        .leftJoin(inviter, inviterJoin)
        .where(where)
        .orderBy(desc(invitations.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(invitations).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  async findOne(db: Executor, companyId: number, id: number): Promise<InvitationListRow | undefined> {
    const [row] = await db
      .select(withInviter)
      .from(invitations)
      .leftJoin(inviter, inviterJoin)
      .where(and(eq(invitations.id, id), eq(invitations.company_id, companyId)))
      .limit(1);
    return row;
  },

  /** Revokes the company's pending invitations of this email (a new one replaces them). */
  async revokePendingFor(db: Executor, companyId: number, email: string): Promise<void> {
    await db
      .update(invitations)
      .set({ revoked_at: sql`now()` })
      .where(
        and(
          eq(invitations.company_id, companyId),
          sql`lower(${invitations.email}) = lower(${email})`,
          pending(),
        ),
      );
  },

  async revoke(db: Executor, id: number): Promise<void> {
    await db
      .update(invitations)
      .set({ revoked_at: sql`coalesce(${invitations.revoked_at}, now())` })
      .where(and(eq(invitations.id, id), isNull(invitations.accepted_at)));
  },

  /** A pending invitation by its token's hash, with its company and, for a partner one, the inviter's. */
  async pendingByHash(db: Executor, tokenHash: string) {
    const [row] = await db
      .select({
        email: invitations.email,
        role: invitations.role,
        kind: invitations.kind,
        expires_at: invitations.expires_at,
        partnership_id: invitations.partnership_id,
        company_id: companies.id,
        company_name: companies.name,
      })
      .from(invitations)
      .innerJoin(companies, eq(companies.id, invitations.company_id))
      .where(and(eq(invitations.token_hash, tokenHash), pending()))
      .limit(1);
    if (!row) return undefined;
    const [inviting] =
      row.partnership_id === null
        ? []
        : await db
            .select({ id: companies.id, name: companies.name })
            .from(partnerships)
            .innerJoin(companies, eq(companies.id, partnerships.company_id))
            .where(eq(partnerships.id, row.partnership_id));
    return { ...row, partnerCompany: inviting };
  },

  /** Takes a pending invitation for accepting it: locked until the transaction ends. */
  async takePending(tx: Executor, tokenHash: string): Promise<InvitationRow | undefined> {
    const [row] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.token_hash, tokenHash), pending()))
      .for('update')
      .limit(1);
    return row;
  },

  async markAccepted(tx: Executor, id: number, userId: number): Promise<void> {
    await tx
      .update(invitations)
      .set({ accepted_at: sql`now()`, user_id: userId })
      .where(eq(invitations.id, id));
  },

  /** The company's user with this email (case-insensitive), if any. */
  async userByEmail(db: Executor, companyId: number, email: string) {
    const [row] = await db
      .select()
      .from(users)
      .where(and(eq(users.company_id, companyId), sql`lower(${users.email}) = lower(${email})`))
      .limit(1);
    return row;
  },
};
