export * from './api-keys.js';
export * from './companies.js';
export * from './idempotency-keys.js';
export * from './users.js';
