// The event types an endpoint can subscribe to (the API's list; tests/web/api-types.test.ts
// checks this one against the server's).
export const WEBHOOK_EVENTS = [
  'leads.create',
  'leads.update',
  'leads.delete',
  'leads.notes_create',
  'leads.notes_update',
  'leads.notes_delete',
  'partners.create',
  'partners.update',
  'partners.contact_create',
  'partners.contact_update',
  'users.create',
  'deals.create',
  'deals.update',
  'deals.delete',
  'deals.notes_create',
  'deals.notes_update',
  'deals.notes_delete',
  'payments.create',
  'payments.update',
] as const;
