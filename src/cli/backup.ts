import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/index.js';
import { ApiError } from '../core/errors.js';
import {
  BackupError,
  type BackupSummary,
  backupDatabase,
  checkSchemaVersion,
  restoreDatabase,
  verifyBackup,
} from '../db/backup.js';
import { openDatabase } from '../db/database.js';
import { runMigrations } from '../db/migrate.js';
import { committedMigrationCount } from '../db/migrations-count.js';
import { chooseLogFormat, logDestination } from '../lib/logger.js';

// `journeybee backup --out FILE` and `journeybee restore --in FILE [--force]`: the whole instance
// (embedded or DATABASE_URL), in the format of src/db/backup.ts. See docs/operations.md.

const file = (flag: string) => (value: string) => {
  if (value.startsWith('--') || value.length === 0)
    throw new InvalidArgumentError(`${flag} needs a file name.`);
  return value;
};

async function withPool<T>(migrate: boolean, fn: (pool: import('pg').Pool) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const format = chooseLogFormat(config.logFormat, process.stderr.isTTY);
  const logger = pino(
    { level: config.logLevel === 'info' ? 'warn' : config.logLevel },
    await logDestination(format, 2),
  );
  const database = await openDatabase(config, logger);
  try {
    if (migrate) await runMigrations(database.pool);
    return await refusal(() => fn(database.pool));
  } finally {
    await database.close();
  }
}

/** Refusals are expected outcomes: the operator gets the message and exit code 1, no stack. */
async function refusal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BackupError) {
      throw new ApiError(err.problem === 'not_empty' ? 'conflict' : 'bad_request', err.message);
    }
    throw err;
  }
}

function print(json: boolean, verb: string, s: BackupSummary): void {
  const out = {
    file: s.file,
    bytes: s.bytes,
    tables: s.tables,
    rows: s.rows,
    sha256: s.sha256,
    seconds: s.seconds,
  };
  process.stdout.write(
    json
      ? `${JSON.stringify(out)}\n`
      : `${verb} ${s.tables} tables, ${s.rows} rows (${s.file}, ${s.bytes} bytes, sha256 ${s.sha256}) in ${s.seconds.toFixed(1)} s.\n`,
  );
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Write a consistent backup of the whole instance (every company) to a file')
    .requiredOption('--out <file>', 'the backup file to write (gzip)', file('--out'))
    .option('--json', 'machine-readable output')
    .action(async (opts: { out: string; json?: boolean }) => {
      // No migrations here: a backup records the schema as it is.
      const summary = await withPool(false, (pool) => backupDatabase(pool, path.resolve(opts.out)));
      print(Boolean(opts.json), 'Backed up', summary);
    });

  program
    .command('restore')
    .description('Restore a backup into an empty instance (stop the servers first)')
    .requiredOption('--in <file>', 'the backup file to read', file('--in'))
    .option('--force', 'replace the data of an instance that is not empty')
    .option('--json', 'machine-readable output')
    .action(async (opts: { in: string; force?: boolean; json?: boolean }) => {
      const file = path.resolve(opts.in);
      const schemaVersion = await committedMigrationCount();
      // The file is checked whole before the database is even opened (or created, or migrated).
      const checked = await refusal(async () => {
        const result = await verifyBackup(file);
        checkSchemaVersion(result.header, schemaVersion);
        return result;
      });
      const summary = await withPool(true, (pool) =>
        restoreDatabase(pool, file, { force: Boolean(opts.force), schemaVersion, checked }),
      );
      print(Boolean(opts.json), 'Restored', summary);
    });
}
