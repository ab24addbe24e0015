export * from './api-keys.js';
export * from './catalogues.js';
export * from './companies.js';
export * from './countries.js';
export * from './idempotency-keys.js';
export * from './leads.js';
export * from './partnerships.js';
export * from './users.js';
