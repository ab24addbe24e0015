// The public face of this module: what other modules may import.

export { emailDomain, isFreeMailDomain } from './business-email.js';
export { Contact } from './contacts/contacts.schemas.js';
// ListPartnersQuery, ListPartnersInput and PartnerOut are for the CSV export (src/modules/csv),
// which gets the list read itself (PartnerService) from the module registry: exporting the
// service here would close an import circle through accounts.
export {
  emailField,
  enumCsv,
  flag,
  idCsv,
  type ListPartnersInput,
  ListPartnersQuery,
  Partner,
  type PartnerOut,
  TagRefList,
  text,
} from './partners.schemas.js';
