import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

// How a value of the API becomes a CSV cell, and the CSV dialect we write: UTF-8 with a BOM
// (so spreadsheets read it as UTF-8), RFC 4180 (CRLF, fields with a comma, quote, CR or LF
// quoted, quotes doubled), one header row.

/** Cells a spreadsheet would run as a formula (CSV injection) start with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell a spreadsheet could take for a formula (`=`, `+`, `-`, `@`, TAB, CR first) gets a
 * leading apostrophe, as OWASP advises: the spreadsheet shows the text, never runs it. Numbers
 * are written as they are (a negative number is not text a formula could hide in).
 */
export function guardFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** What lists are joined with in a cell. */
export const LIST_SEPARATOR = '; ';

/** One element of a list (tags, users, deals…): what a person recognises it by. */
function itemText(item: unknown): string {
  if (item === null || item === undefined) return '';
  if (typeof item !== 'object') return String(item);
  const o = item as Record<string, unknown>;
  for (const key of ['label', 'email', 'name', 'code', 'company_name']) {
    if (typeof o[key] === 'string') return o[key];
  }
  return o.id === undefined ? JSON.stringify(o) : String(o.id);
}

/** A value of an API response as cell text (before the formula guard). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(itemText).join(LIST_SEPARATOR);
  return itemText(value);
}

/** A cell as written: text, guarded, except plain numbers. */
export function cell(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return guardFormula(cellText(value));
}

/** `a.b.c` of an object. */
export function pick(row: unknown, path: string): unknown {
  let at: unknown = row;
  for (const part of path.split('.')) {
    if (at === null || at === undefined || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The CSV text of records (header included) as a byte stream, BOM first. */
export function csvStream(records: AsyncIterable<string[]>): Readable {
  const stringifier = stringify({
    bom: true,
    record_delimiter: 'windows',
    // The default quotes only on the delimiter, quote and the record delimiter (CRLF): a lone
    // CR or LF inside a field must be quoted too.
    quoted_match: /[\r\n]/,
  });
  const source = Readable.from(records);
  source.on('error', (err) => stringifier.destroy(err));
  return source.pipe(stringifier);
}

/** `leads-2026-12-01.csv` */
export const csvFileName = (what: string, now = new Date()) =>
  `${what}-${now.toISOString().slice(0, 10)}.csv`;
