import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import {
  companyPartnerships,
  leadAttributions,
  leads,
  leadTags,
  leadUsers,
  type PartnerType,
  partnershipLeads,
  partnerships,
} from '../../db/schema/index.js';

// Lead writes and the lookups the service's checks need. Reads for responses are in
// leads.reads.ts, the webhook payload in leads.payload.ts.

export type LeadInsert = typeof leads.$inferInsert;

const live = (companyId: number, leadId: number) =>
  and(eq(leads.id, leadId), eq(leads.company_id, companyId), isNull(leads.deleted_at));

export interface LiveLead {
  id: number;
  partner_type: PartnerType | null;
  email: string | null;
  company_name: string | null;
}

/** A live (not deleted) lead of the company, with what its checks need; undefined otherwise. */
export async function findLiveLead(
  db: Executor,
  companyId: number,
  leadId: number,
): Promise<LiveLead | undefined> {
  const [row] = await db
    .select({
      id: leads.id,
      partner_type: leads.partner_type,
      email: leads.email,
      company_name: leads.company_name,
    })
    .from(leads)
    .where(live(companyId, leadId))
    .limit(1);
  return row;
}

/** The id of a live (not deleted) lead of the company, or undefined: callers answer 404. */
export async function findLiveLeadId(
  db: Executor,
  companyId: number,
  leadId: number,
): Promise<number | undefined> {
  return (await findLiveLead(db, companyId, leadId))?.id;
}

export interface PartnershipForLead {
  id: number;
  status: (typeof partnerships.$inferSelect)['status'];
  partner_type: PartnerType;
  /** The caller's company partnership (its side). */
  side_id: number;
  /** The other company. */
  partner_company_id: number;
}

export const leadsRepository = {
  /** A partnership the company is part of (either side), seen from that company. */
  async partnership(
    db: Executor,
    companyId: number,
    partnershipId: number,
  ): Promise<PartnershipForLead | undefined> {
    const cp = companyPartnerships;
    const [row] = await db
      .select({
        id: partnerships.id,
        status: partnerships.status,
        partner_type: partnerships.partner_type,
        side_id: cp.id,
        partner_company_id: cp.partner_company_id,
      })
      .from(partnerships)
      .innerJoin(cp, and(eq(cp.partnership_id, partnerships.id), eq(cp.company_id, companyId)))
      .where(eq(partnerships.id, partnershipId));
    return row;
  },

  /** Inserts leads (the caller's and the partner's copy in one statement). */
  async insert(db: Executor, rows: LeadInsert[]) {
    return db
      .insert(leads)
      .values(rows)
      .returning({ id: leads.id, uuid: leads.uuid, company_id: leads.company_id });
  },

  async addTags(db: Executor, rows: (typeof leadTags.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await db.insert(leadTags).values(rows);
  },

  async addUsers(db: Executor, rows: (typeof leadUsers.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await db.insert(leadUsers).values(rows);
  },

  async setTags(db: Executor, leadId: number, tagIds: number[]): Promise<void> {
    await db.delete(leadTags).where(eq(leadTags.lead_id, leadId));
    await leadsRepository.addTags(
      db,
      tagIds.map((tag_id) => ({ lead_id: leadId, tag_id })),
    );
  },

  /** Replaces the lead's users; returns those of `userIds` it did not have before. */
  async setUsers(db: Executor, leadId: number, userIds: number[]): Promise<number[]> {
    const removed = await db
      .delete(leadUsers)
      .where(eq(leadUsers.lead_id, leadId))
      .returning({ userId: leadUsers.user_id });
    await leadsRepository.addUsers(
      db,
      userIds.map((user_id) => ({ lead_id: leadId, user_id })),
    );
    const before = new Set(removed.map((r) => r.userId));
    return userIds.filter((userId) => !before.has(userId));
  },

  async addAttributions(db: Executor, rows: (typeof leadAttributions.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await db.insert(leadAttributions).values(rows);
  },

  async insertPartnershipLead(db: Executor, values: typeof partnershipLeads.$inferInsert): Promise<number> {
    const [row] = await db.insert(partnershipLeads).values(values).returning({ id: partnershipLeads.id });
    return row!.id;
  },

  /** Updates a live lead; undefined when it is gone (deleted meanwhile, or not the company's). */
  async update(db: Executor, companyId: number, leadId: number, values: Partial<LeadInsert>) {
    const [row] = await db
      .update(leads)
      .set({ ...values, updated_at: sql`now()` })
      .where(live(companyId, leadId))
      .returning({ id: leads.id, uuid: leads.uuid, updated_at: leads.updated_at });
    return row;
  },

  /** Soft-deletes a live lead; false when there was none. Its email is free again. */
  async softDelete(db: Executor, companyId: number, leadId: number): Promise<boolean> {
    const rows = await db
      .update(leads)
      .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
      .where(live(companyId, leadId))
      .returning({ id: leads.id });
    return rows.length > 0;
  },
};
