import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/database.js';
import { dealSides, deals, stages } from '../../src/db/schema/index.js';
import { uniq } from './app.js';

// Deal rows inserted directly, for tests of what reads deals (lists, reports, notes, money) that
// do not exercise POST /v1/deals itself. tests/modules/deals-create.test.ts drives the API.

export interface DealSideSpec {
  companyId: number;
  leadId?: number | null;
  stageId?: number | null;
}

export interface DealSpec {
  /** The owner's side (its company owns the deal). */
  owner: DealSideSpec;
  /** The partner's side of a partnership deal. */
  partner?: DealSideSpec;
  partnershipId?: number | null;
  label?: string;
  dealValue?: string;
  currencyCode?: string;
  paymentStageId?: number | null;
  commissionCalculation?: unknown;
  createdAt?: Date;
}

/** A deal with its sides; `total_commission_value` computed as the API would. */
export async function makeDeal(db: Db, spec: DealSpec) {
  const [deal] = await db
    .insert(deals)
    .values({
      company_id: spec.owner.companyId,
      partnership_id: spec.partnershipId ?? null,
      label: spec.label ?? `Deal ${uniq()}`,
      deal_value: spec.dealValue ?? '0',
      currency_code: spec.currencyCode ?? 'USD',
      payment_stage_id: spec.paymentStageId ?? null,
      commission_calculation: spec.commissionCalculation ?? null,
      total_commission_value: sql`deal_commission_total(${JSON.stringify(spec.commissionCalculation ?? null)}::jsonb,
        ${spec.dealValue ?? '0'}::numeric,
        (SELECT minor_digits FROM currencies WHERE code = ${spec.currencyCode ?? 'USD'}))`,
      ...(spec.createdAt ? { created_at: spec.createdAt, updated_at: spec.createdAt } : {}),
    })
    .returning();
  const sides = [
    { ...spec.owner, role: 'owner' as const },
    ...(spec.partner ? [{ ...spec.partner, role: 'partner' as const }] : []),
  ];
  await db.insert(dealSides).values(
    sides.map((s) => ({
      deal_id: deal!.id,
      company_id: s.companyId,
      role: s.role,
      lead_id: s.leadId ?? null,
      stage_id: s.stageId ?? null,
    })),
  );
  return deal!;
}

/** A stage of the `lead_deal` or `payment` pipeline. */
export async function makeDealStage(
  db: Db,
  companyId: number,
  opts: { pipeline?: 'lead_deal' | 'payment'; phase?: string; series?: number; label?: string } = {},
) {
  const pipeline = opts.pipeline ?? 'lead_deal';
  const [row] = await db
    .insert(stages)
    .values({
      company_id: companyId,
      pipeline,
      label: opts.label ?? `Stage ${uniq()}`,
      series: opts.series ?? 1,
      phase: opts.phase ?? (pipeline === 'payment' ? 'pending' : 'discovery'),
    })
    .returning();
  return row!;
}
