import { ApiError, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import { type CompanyRow, companiesRepository } from './companies.repository.js';
import type { UpdateCompanyInput } from './companies.schemas.js';

/** A DNS domain name in lower case, such as `acme.example`. */
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export class CompanyService {
  constructor(private readonly db: Db) {}

  async getOrThrow(id: number): Promise<CompanyRow> {
    const row = await companiesRepository.findById(this.db, id);
    if (!row) throw notFound('Company');
    return row;
  }

  async create(input: { name: string; domain?: string | undefined }): Promise<CompanyRow> {
    const name = input.name.trim();
    if (!name) throw new ApiError('bad_request', 'Company name must not be empty');
    const domain = input.domain?.trim().toLowerCase();
    if (domain !== undefined && !DOMAIN_PATTERN.test(domain)) {
      throw new ApiError('bad_request', `Invalid domain '${input.domain}'`);
    }
    try {
      return await companiesRepository.insert(this.db, { name, domain: domain ?? null });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError('conflict', `A company with domain '${domain}' already exists`);
      throw err;
    }
  }

  /** Updates the caller's company: only the fields sent change. */
  async update(id: number, input: UpdateCompanyInput): Promise<CompanyRow> {
    if (Object.keys(input).length === 0) return this.getOrThrow(id);
    try {
      const row = await companiesRepository.update(this.db, id, input);
      if (!row) throw notFound('Company');
      return row;
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError('conflict', `A company with domain '${input.domain}' already exists`);
      if (isForeignKeyViolation(err))
        throw new ApiError('bad_request', `Invalid field 'country_id': no such country`, [
          { path: 'country_id', message: 'no such country' },
        ]);
      throw err;
    }
  }
}
