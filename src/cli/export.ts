import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type pino from 'pino';
import { loadConfig } from '../config/index.js';
import { ApiError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import { SecretBox } from '../lib/secret-box.js';
import { CompanyService } from '../modules/companies/companies.service.js';
import { exportCompany, importCompany } from '../modules/exports/index.js';

// `journeybee export` and `journeybee import` (docs/data.md, "Export and import"): the same
// NDJSON as GET /v1/export, written to a file, and loaded into another instance.

/**
 * The file's lines (without their `\n` or `\r\n`), read as they are consumed: the stream's
 * async iterator pulls a chunk only when the import asks for the next line, so a file of any
 * size is held one chunk at a time. A last line without its newline is yielded too (a cut file:
 * the import names it).
 */
async function* fileLines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    rest += chunk as string;
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      const line = rest.slice(start, end);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') yield rest;
}

export interface CliHelpers {
  withDatabase<T>(fn: (database: Database, logger: pino.Logger) => Promise<T>): Promise<T>;
  print(json: boolean, value: object, human: string): void;
  positiveInt(name: string): (value: string) => number;
  text(flag: string): (value: string) => string;
}

export function registerExportCommands(program: Command, h: CliHelpers): void {
  program
    .command('export')
    .description("Write all of a company's data to a file (NDJSON, as GET /v1/export)")
    .requiredOption('--company <id>', 'company id', h.positiveInt('--company'))
    .requiredOption(
      '--out <file>',
      'the file to write (replaced once the export is complete)',
      h.text('--out'),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { company: number; out: string; json?: boolean }) => {
      const counts = await h.withDatabase(async (d) => {
        await new CompanyService(d.db).getOrThrow(opts.company);
        // Written next to the target and renamed at the end: a failed export leaves no half file.
        const partial = `${opts.out}.partial`;
        let last = '';
        async function* lines() {
          for await (const chunk of exportCompany(d.pool, opts.company)) {
            last = chunk;
            yield chunk;
          }
        }
        try {
          await pipeline(Readable.from(lines()), createWriteStream(partial));
          await rename(partial, opts.out);
        } catch (err) {
          await rm(partial, { force: true });
          throw err;
        }
        return (JSON.parse(last) as { data: { counts: Record<string, number> } }).data.counts;
      });
      const bytes = (await stat(opts.out)).size;
      const leads = counts.lead ?? 0;
      h.print(
        Boolean(opts.json),
        { company_id: opts.company, file: opts.out, bytes, counts },
        `Exported company ${opts.company} to ${opts.out} (${bytes} bytes, ${leads} leads).`,
      );
    });

  program
    .command('import')
    .description(
      'Load an export into this instance: a new company, or an existing empty one (all or nothing)',
    )
    .requiredOption('--in <file>', 'the export file', h.text('--in'))
    .option('--company <id>', 'an existing, empty company to load into', h.positiveInt('--company'))
    .option('--json', 'machine-readable output')
    .action(async (opts: { in: string; company?: number; json?: boolean }) => {
      const config = loadConfig();
      // Fail on a missing file before touching the database.
      await access(opts.in, constants.R_OK).catch(() => {
        throw new ApiError('bad_request', `cannot read ${opts.in}`);
      });
      const result = await h.withDatabase((d) =>
        importCompany(d.pool, fileLines(opts.in), {
          companyId: opts.company,
          secrets: new SecretBox(config),
        }),
      );
      const c = result.company;
      const skipped = Object.entries(result.skipped).map(([t, n]) => `${n} ${t}`);
      const human = [
        `Imported ${c.created ? 'into new' : 'into'} company ${c.id} (${c.name}, uuid ${c.uuid}): ` +
          Object.entries(result.counts)
            .map(([t, n]) => `${n} ${t}`)
            .join(', '),
        ...(skipped.length
          ? [`Skipped (their other side is not in this instance): ${skipped.join(', ')}.`]
          : []),
        ...(result.webhooks.length
          ? [
              'Webhook endpoints were re-created with NEW signing secrets (shown this once; give them to the receivers):',
              ...result.webhooks.map((w) => `  ${w.id} ${w.url}\n    ${w.secret}`),
            ]
          : []),
        'Users have no passwords yet: send each a reset link (journeybee users reset-password), and create API keys.',
      ].join('\n');
      h.print(Boolean(opts.json), result, human);
    });
}
