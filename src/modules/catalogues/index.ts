import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/database.js';
import { campaignsRoutes } from './campaigns/campaigns.routes.js';
import { CampaignService } from './campaigns/campaigns.service.js';
import { categoriesRoutes } from './categories/categories.routes.js';
import { createCategoryService } from './categories/categories.service.js';
import { countriesRoutes } from './countries/countries.routes.js';
import { CountryService } from './countries/countries.service.js';
import { currenciesRoutes } from './currencies/currencies.routes.js';
import { CurrencyService } from './currencies/currencies.service.js';
import { customFieldsRoutes } from './custom-fields/custom-fields.routes.js';
import { CustomFieldService } from './custom-fields/custom-fields.service.js';
import { stagesRoutes } from './stages/stages.routes.js';
import { StageService } from './stages/stages.service.js';
import { tagsRoutes } from './tags/tags.routes.js';
import { createTagService } from './tags/tags.service.js';
import { tiersRoutes } from './tiers/tiers.routes.js';
import { createTierService, type TierCommission } from './tiers/tiers.service.js';

export { assertOwned, type OwnershipOptions, resolveOwnedUuid } from './ownership.js';
export type { TierCommission } from './tiers/tiers.service.js';

/** One service per catalogue, built once for the app. */
export function createCatalogueServices(db: Db, tierCommission: TierCommission) {
  return {
    tags: createTagService(db),
    tiers: createTierService(db, tierCommission),
    categories: createCategoryService(db),
    partnerStages: new StageService(db, 'partner'),
    dealStages: new StageService(db, 'lead_deal'),
    paymentStages: new StageService(db, 'payment'),
    customFields: new CustomFieldService(db),
    campaigns: new CampaignService(db),
    countries: new CountryService(db),
    currencies: new CurrencyService(db),
  };
}

export type CatalogueServices = ReturnType<typeof createCatalogueServices>;

/** Every catalogue's routes (tags, tiers, categories, stages, custom fields, campaigns, countries, currencies). */
export const cataloguesRoutes: FastifyPluginAsyncZod<{ catalogues: CatalogueServices }> = async (
  app,
  { catalogues },
) => {
  await app.register(tagsRoutes, catalogues);
  await app.register(tiersRoutes, catalogues);
  await app.register(categoriesRoutes, catalogues);
  await app.register(stagesRoutes, catalogues);
  await app.register(customFieldsRoutes, catalogues);
  await app.register(campaignsRoutes, catalogues);
  await app.register(countriesRoutes, catalogues);
  await app.register(currenciesRoutes, catalogues);
};
export { catalogueRepository, type OwnedTable } from './catalogue.repository.js';
export { oneOf } from './catalogue.schemas.js';
