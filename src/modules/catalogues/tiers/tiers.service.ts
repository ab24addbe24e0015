import type { z } from 'zod';
import type { Db } from '../../../db/database.js';
import { tiers } from '../../../db/schema/index.js';
import type { Row } from '../catalogue.repository.js';
import {
  CatalogueService,
  type CatalogueSpec,
  type CreateValues,
  labelledCatalogue,
  type UpdateValues,
} from '../catalogue.service.js';
import type { StoredTierCommission } from './tiers.schemas.js';

type TierRow = Omit<Row<typeof tiers>, 'commission_calculation'> & {
  commission_calculation: StoredTierCommission;
};

/**
 * What the deals module lends the tiers for their default commission: the body schema and the
 * check (the entries' payment stages are the company's; normalized; a 400 naming
 * `commission_calculation.entries[i]…` otherwise). Passed in by src/modules/index.ts, since the
 * catalogues sit below the deals and cannot import them.
 */
export interface TierCommission {
  schema: z.ZodType;
  check(db: Db, companyId: number, calculation: unknown): Promise<unknown>;
}

/** The tier catalogue: a labelled catalogue whose default commission is checked before the write. */
export class TierService extends CatalogueService<typeof tiers, TierRow> {
  constructor(
    db: Db,
    readonly commission: TierCommission,
  ) {
    // The stored calculation was normalized by `check` on its way in: typed as the entity shows it.
    super(db, labelledCatalogue(db, tiers, 'Tier').spec as unknown as CatalogueSpec<typeof tiers, TierRow>);
  }

  private async checked<V extends object>(companyId: number, values: V): Promise<V> {
    const calc = (values as { commission_calculation?: unknown }).commission_calculation;
    if (calc === undefined || calc === null) return values;
    return { ...values, commission_calculation: await this.commission.check(this.db, companyId, calc) };
  }

  override async create(companyId: number, values: CreateValues<typeof tiers>) {
    return super.create(companyId, await this.checked(companyId, values));
  }

  override async update(companyId: number, id: number, values: UpdateValues<typeof tiers>) {
    return super.update(companyId, id, await this.checked(companyId, values));
  }
}

export const createTierService = (db: Db, commission: TierCommission) => new TierService(db, commission);
