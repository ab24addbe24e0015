import { badRequest } from '../../../core/errors.js';
import type { Db, Executor } from '../../../db/database.js';
import { campaigns } from '../../../db/schema/index.js';
import type { Row } from '../catalogue.repository.js';
import { CatalogueService, type CreateValues, type UpdateValues } from '../catalogue.service.js';

type CampaignRow = Row<typeof campaigns>;

const END_BEFORE_START = 'must be on or after start_date';

/** YYYY-MM-DD strings compare as dates. */
function assertDateRange(dates: object): void {
  const { start_date, end_date } = dates as Partial<Record<'start_date' | 'end_date', unknown>>;
  if (typeof start_date === 'string' && typeof end_date === 'string' && end_date < start_date) {
    throw badRequest(`Invalid field 'end_date': ${END_BEFORE_START}`, [
      { path: 'end_date', message: END_BEFORE_START },
    ]);
  }
}

/** Campaigns: a catalogue with a title, a status and an optional date range (end ≥ start). */
export class CampaignService extends CatalogueService<typeof campaigns> {
  constructor(db: Db) {
    super(db, { table: campaigns, noun: 'Campaign', name: (campaign) => campaign.title });
  }

  override create(companyId: number, values: CreateValues<typeof campaigns>, db: Executor = this.db) {
    assertDateRange(values);
    return super.create(companyId, values, db);
  }

  /** A change to either date is checked against the other, as stored, under a row lock. */
  override update(
    companyId: number,
    id: number,
    values: UpdateValues<typeof campaigns>,
    db: Executor = this.db,
  ): Promise<CampaignRow> {
    if (values.start_date === undefined && values.end_date === undefined) {
      return super.update(companyId, id, values, db);
    }
    return db.transaction(async (tx) => {
      const current = await this.getOrThrow(companyId, id, tx, true);
      assertDateRange({ ...current, ...values });
      return super.update(companyId, id, values, tx);
    });
  }
}
