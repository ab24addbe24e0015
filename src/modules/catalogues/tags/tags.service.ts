import type { Db } from '../../../db/database.js';
import { tags } from '../../../db/schema/index.js';
import { labelledCatalogue } from '../catalogue.service.js';

export const createTagService = (db: Db) =>
  labelledCatalogue(db, tags, 'Tag', {
    duplicate: (tag) => `A tag with label '${tag.label}' already exists for association '${tag.association}'`,
    uniqueKey: (tag) => `${tag.association}\u0000${String(tag.label).toLowerCase()}`,
    // Its links (partners, contacts, leads) were made for this association.
    immutable: ['association'],
  });

export type TagService = ReturnType<typeof createTagService>;
