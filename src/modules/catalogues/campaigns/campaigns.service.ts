import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { campaigns } from '../../../db/schema/index.js';
import { CatalogueService, type CreateValues } from '../catalogue.service.js';
import { assertDateRange } from './campaigns.rules.js';

/**
 * The date range an update leaves, as the UPDATE checks it against the stored row: each date
 * is the one sent (null clears it) or else the stored one; a missing end or start is fine.
 */
function dateRangeGuard(changes: Record<string, unknown>) {
  if (!('start_date' in changes) && !('end_date' in changes)) return undefined;
  const start = 'start_date' in changes ? sql`${changes.start_date}::date` : sql`${campaigns.start_date}`;
  const end = 'end_date' in changes ? sql`${changes.end_date}::date` : sql`${campaigns.end_date}`;
  return sql`(${end} IS NULL OR ${start} IS NULL OR ${end} >= ${start})`;
}

/** Campaigns: a catalogue with a title, a status and an optional date range (end ≥ start). */
export class CampaignService extends CatalogueService<typeof campaigns> {
  constructor(db: Db) {
    super(db, {
      table: campaigns,
      noun: 'Campaign',
      name: (campaign) => campaign.title,
      // A change to either date is checked against the other as stored, by the UPDATE itself.
      updateRule: { guard: dateRangeGuard, check: assertDateRange },
    });
  }

  override create(companyId: number, values: CreateValues<typeof campaigns>) {
    assertDateRange(values);
    return super.create(companyId, values);
  }
}
