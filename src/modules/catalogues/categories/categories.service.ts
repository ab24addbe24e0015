import type { Db } from '../../../db/database.js';
import { categories } from '../../../db/schema/index.js';
import { labelledCatalogue } from '../catalogue.service.js';

export const createCategoryService = (db: Db) => labelledCatalogue(db, categories, 'Category');

export type CategoryService = ReturnType<typeof createCategoryService>;
