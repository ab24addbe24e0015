// A partner is a company, found by its people's email domain: an address at a free email
// provider names no company, so partner emails must be business addresses. The list is short
// on purpose (the providers most people use); add a provider here and nowhere else.

const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'ymail.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'zoho.com',
  'mail.com',
  'gmx.com',
  'mail.ru',
  'tutanota.com',
  'fastmail.com',
  'qq.com',
  '163.com',
  'web.de',
  't-online.de',
  'libero.it',
  'orange.fr',
]);

// Providers with one domain per country: gmx.de, yahoo.co.uk, yandex.ru, hotmail.fr, …
const FREE_MAIL_FAMILIES = /^(?:gmx|yandex|yahoo|hotmail|outlook|live)\.[a-z.]+$/;

export function isFreeMailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return FREE_MAIL_DOMAINS.has(d) || FREE_MAIL_FAMILIES.test(d);
}

/** The domain of an address (lower case): what follows the last `@`. */
export const emailDomain = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();
