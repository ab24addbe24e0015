#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { type Config, ConfigError, loadConfig, loadDotEnv } from '../config/index.js';
import { ApiError } from '../core/errors.js';
import { type Database, openDatabase } from '../db/database.js';
import { isDatabaseUnavailable, pgErrorCode } from '../db/errors.js';
import { runMigrations } from '../db/migrate.js';
import { chooseLogFormat, logDestination } from '../lib/logger.js';
import { ApiKeyService } from '../modules/api-keys/api-keys.service.js';
import { CompanyService } from '../modules/companies/companies.service.js';
import { CreateUserBody } from '../modules/users/users.schemas.js';
import { UserService } from '../modules/users/users.service.js';
import { registerBackupCommands } from './backup.js';
import { registerExportCommands } from './export.js';

// Commands call services, never raw SQL. With --json each prints exactly one JSON object on
// stdout; errors go to stderr (as {"error": …} with --json) with a non-zero exit code:
// 2 for bad usage (unknown command, missing or malformed option), 1 when the command failed.

class CliError extends Error {}

const positiveInt = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647) {
    throw new InvalidArgumentError(`${name} must be a positive integer.`);
  }
  return Number(value);
};

// Commander takes the word after an option as its value even when it is another option
// (`--name --json`): refuse that rather than create a company called "--json".
const text = (flag: string) => (value: string) => {
  if (value.startsWith('--')) throw new InvalidArgumentError(`${flag} needs a value.`);
  return value;
};

const isoDate = (value: string) => {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be an ISO 8601 date-time.');
  return d;
};

async function cliLogger(config: Config) {
  // Diagnostics on stderr, so stdout carries only the command's output.
  const format = chooseLogFormat(config.logFormat, process.stderr.isTTY);
  return pino(
    { level: config.logLevel === 'info' ? 'warn' : config.logLevel },
    await logDestination(format, 2),
  );
}

async function withDatabase<T>(fn: (database: Database, logger: pino.Logger) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = await cliLogger(config);
  const database = await openDatabase(config, logger);
  try {
    await runMigrations(database.pool);
    return await fn(database, logger);
  } finally {
    await database.close();
  }
}

function print(json: boolean, value: object, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

const program = new Command()
  .name('journeybee')
  .description('Journeybee partner-relationship API server and administration')
  .showHelpAfterError()
  // Under --json, usage errors are printed once, as {"error": …}, by the handler at the bottom.
  .configureOutput({ writeErr: (str) => void (wantsJson() || process.stderr.write(str)) })
  .exitOverride();

program
  .command('serve')
  .description('Start the API server (embedded PostgreSQL unless DATABASE_URL is set)')
  .option('--json', 'logs are JSON lines (pino) on stdout even on a terminal (as LOG_FORMAT=json)')
  .action(async (opts: { json?: boolean }) => {
    const config = loadConfig();
    if (opts.json) config.logFormat = 'json';
    // Loaded here only: the HTTP stack would add a third to every other command's start-up.
    const { startServer } = await import('../server.js');
    const server = await startServer(config);
    let signals = 0;
    const shutdown = (signal: string) => {
      signals += 1;
      if (signals > 1) process.exit(1); // a second signal: stop waiting
      server.app.log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        server.app.log.error('graceful shutdown timed out');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.stop().then(
        () => process.exit(0),
        (err: Error) => {
          server.app.log.error({ err }, 'error during shutdown');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('Apply database migrations')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    await withDatabase(async () => {});
    print(Boolean(opts.json), { migrated: true }, 'Migrations applied.');
  });

const companies = program.command('companies').description('Manage companies (tenants)');
companies
  .command('create')
  .description('Create a company')
  .requiredOption('--name <name>', 'company name', text('--name'))
  .option('--domain <domain>', "email domain of the company's people, e.g. acme.com", text('--domain'))
  .option('--json', 'machine-readable output')
  .action(async (opts: { name: string; domain?: string; json?: boolean }) => {
    const company = await withDatabase((d) => new CompanyService(d.db).create(opts));
    const out = { id: company.id, uuid: company.uuid, name: company.name, domain: company.domain };
    print(Boolean(opts.json), out, `Created company ${company.id} (${company.name}).`);
  });

const users = program.command('users').description("Manage a company's users");
users
  .command('create')
  .description('Create a user in a company')
  .requiredOption('--company <id>', 'company id', positiveInt('--company'))
  .requiredOption('--email <email>', 'email address', text('--email'))
  .option('--first-name <name>', 'first name', text('--first-name'))
  .option('--last-name <name>', 'last name', text('--last-name'))
  .addOption(new Option('--role <role>', 'role').choices(['admin', 'partnerships']).default('admin'))
  .option('--json', 'machine-readable output')
  .action(
    async (opts: {
      company: number;
      email: string;
      firstName?: string;
      lastName?: string;
      role: 'admin' | 'partnerships';
      json?: boolean;
    }) => {
      const parsed = CreateUserBody.safeParse({
        email: opts.email,
        first_name: opts.firstName,
        last_name: opts.lastName,
        role: opts.role,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CliError(`Invalid ${issue?.path.join('.') ?? 'input'}: ${issue?.message ?? 'invalid'}`);
      }
      const user = await withDatabase(async (d) => {
        await new CompanyService(d.db).getOrThrow(opts.company);
        return new UserService(d.db).create(opts.company, parsed.data);
      });
      const out = {
        id: user.id,
        uuid: user.uuid,
        company_id: user.company_id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        role: user.role,
      };
      print(
        Boolean(opts.json),
        out,
        `Created user ${user.id} <${user.email}> in company ${user.company_id}.`,
      );
    },
  );

users
  .command('reset-password')
  .description(
    'Print a one-time password reset link for a user (valid 1 hour); it also activates a user without a password',
  )
  .requiredOption('--company <id>', 'company id', positiveInt('--company'))
  .requiredOption('--email <email>', "the user's email address", text('--email'))
  .option('--json', 'machine-readable output')
  .action(async (opts: { company: number; email: string; json?: boolean }) => {
    const config = loadConfig();
    const link = await withDatabase(async (d) => {
      const { resetLinkFor } = await import('../modules/accounts/reset-link.js');
      return resetLinkFor(d.db, config, opts.company, opts.email);
    });
    print(
      Boolean(opts.json),
      {
        user_id: link.userId,
        company_id: opts.company,
        email: link.email,
        reset_url: link.url,
        expires_at: link.expiresAt.toISOString(),
      },
      `Password reset link for <${link.email}> (company ${opts.company}), valid until ${link.expiresAt.toISOString()}:\n\n  ${link.url}\n\nIt works once. Hand it to the person over a channel you trust.`,
    );
  });

program
  .command('seed')
  .description('Load demo data: two companies in an accepted referral partnership, with keys')
  .requiredOption('--demo', 'the demo data set (the only one there is)')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const { seedDemo } = await import('./seed.js');
    const result = await withDatabase((d, log) => seedDemo(d.db, log));
    const human = result.companies
      .map(
        (c) =>
          `${c.name} (company ${c.id}, ${c.domain})\n` +
          `  users:  ${c.users.map((u) => `${u.id} ${u.email} (${u.role})`).join(', ')}\n` +
          `  write key: ${c.keys.write}\n  read key:  ${c.keys.read}\n` +
          `  lead tags: ${c.tags.map((t) => `${t.id} ${t.label}`).join(', ')}; ` +
          `custom fields: ${c.customFields.map((f) => `${f.id} ${f.label} (${f.type})`).join(', ')}; ` +
          `campaign: ${c.campaigns.map((k) => `${k.id} ${k.title}`).join(', ')}\n` +
          `  partner: company ${c.partners[0]?.partner_company_id} via partnership ${c.partners[0]?.partnership_id} ` +
          `(your side: ${c.partners[0]?.id})`,
      )
      .join('\n\n');
    print(Boolean(opts.json), result, `${human}\n\nThe keys are shown once: store them now.`);
  });

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create an API key (the key is printed once and never stored)')
  .requiredOption('--company <id>', 'company id', positiveInt('--company'))
  .addOption(
    new Option('--permission <permission>', 'permission').choices(['read', 'write']).makeOptionMandatory(),
  )
  .option('--name <name>', 'a name to recognise the key by', text('--name'))
  .option('--user <id>', "the user the key acts as (default: the company's admin)", positiveInt('--user'))
  .option('--expires-at <date>', 'expiry, ISO 8601', isoDate)
  .option('--json', 'machine-readable output')
  .action(
    async (opts: {
      company: number;
      permission: 'read' | 'write';
      name?: string;
      user?: number;
      expiresAt?: Date;
      json?: boolean;
    }) => {
      const created = await withDatabase((d, log) =>
        new ApiKeyService(d.db, log).create({
          companyId: opts.company,
          permission: opts.permission,
          name: opts.name,
          userId: opts.user,
          expiresAt: opts.expiresAt,
        }),
      );
      const out = {
        id: created.row.id,
        key: created.key,
        permission: created.row.permission,
        company_id: created.row.company_id,
      };
      print(
        Boolean(opts.json),
        out,
        `Created ${out.permission} key ${out.id} for company ${out.company_id}:\n\n  ${created.key}\n\nStore it now: it is not shown again.`,
      );
    },
  );

keys
  .command('list')
  .description("List a company's API keys (prefixes only)")
  .requiredOption('--company <id>', 'company id', positiveInt('--company'))
  .option('--json', 'machine-readable output')
  .action(async (opts: { company: number; json?: boolean }) => {
    const rows = await withDatabase((d, log) => new ApiKeyService(d.db, log).list(opts.company));
    const data = rows.map((k) => ({
      id: k.id,
      uuid: k.uuid,
      name: k.name,
      prefix: k.prefix,
      permission: k.permission,
      company_id: k.company_id,
      user_id: k.user_id,
      created_at: k.created_at.toISOString(),
      last_used_at: k.last_used_at?.toISOString() ?? null,
      expires_at: k.expires_at?.toISOString() ?? null,
      revoked_at: k.revoked_at?.toISOString() ?? null,
    }));
    const human = data.length
      ? ['ID\tPREFIX\tPERMISSION\tNAME\tSTATUS']
          .concat(
            data.map(
              (k) =>
                `${k.id}\t${k.prefix}…\t${k.permission}\t${k.name ?? ''}\t${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}`,
            ),
          )
          .join('\n')
      : 'No keys.';
    print(Boolean(opts.json), { data }, human);
  });

keys
  .command('revoke')
  .description('Revoke an API key; it fails from the next request on')
  .argument('<id>', 'key id', positiveInt('id'))
  .option('--json', 'machine-readable output')
  .action(async (id: number, opts: { json?: boolean }) => {
    const row = await withDatabase((d, log) => new ApiKeyService(d.db, log).revoke(id));
    print(
      Boolean(opts.json),
      { id: row.id, revoked_at: row.revoked_at?.toISOString() ?? null },
      `Revoked key ${row.id}.`,
    );
  });

registerBackupCommands(program);
registerExportCommands(program, { withDatabase, print, positiveInt, text });

function wantsJson(): boolean {
  return process.argv.includes('--json');
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(wantsJson() ? `${JSON.stringify({ error: message })}\n` : `journeybee: ${message}\n`);
  process.exit(exitCode);
}

try {
  // Before any command parses the configuration; the real environment wins over the file.
  loadDotEnv();
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help exits 0. Usage errors exit 2; commander printed them, with the usage, unless --json.
    if (err.exitCode === 0) process.exit(0);
    if (!wantsJson()) process.exit(2);
    fail(err.code === 'commander.help' ? 'a command is required' : err.message.replace(/^error: /, ''), 2);
  }
  if (err instanceof ApiError || err instanceof CliError || err instanceof ConfigError) fail(err.message, 1);
  const code = pgErrorCode(err);
  if (isDatabaseUnavailable(err) || code === '3D000' || code?.startsWith('28')) {
    // Unreachable server, unknown database, refused credentials: say so, without a stack.
    fail(`cannot connect to the database: ${(err as Error).message}`, 1);
  }
  fail(`unexpected error: ${(err as Error).message}`, 1);
}
