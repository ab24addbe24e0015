// The public face of this module: what other modules may import.

export { type CompanyRow, companiesRepository } from './companies.repository.js';
export { Company, currencyCode } from './companies.schemas.js';
export { DOMAIN_PATTERN } from './companies.service.js';
