import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { leads, type PartnerType } from '../../db/schema/index.js';

// Lookups other parts of the module need (the notes check their lead). The commands read and
// write in their own statements (leads.create.ts, leads.update.ts, leads.delete.ts), reads for
// responses are in leads.reads.ts, the webhook payload in leads.payload.ts.

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
