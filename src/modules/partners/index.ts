// The public face of this module: what other modules may import.

export { emailDomain, isFreeMailDomain } from './business-email.js';
export { Contact } from './contacts/contacts.schemas.js';
export { emailField, enumCsv, flag, idCsv, Partner, TagRefList, text } from './partners.schemas.js';
