import type { FastifyBaseLogger } from 'fastify';
import type { DestinationStream } from 'pino';
import pino from 'pino';

/** The logger shape used across the app: pino's, as Fastify exposes it. */
export type Logger = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export type LogFormatSetting = 'auto' | 'pretty' | 'json';

/**
 * How log lines are written: `pretty` (pino-pretty, for people) or `json` (one pino JSON object a
 * line, for machines). `auto` is pretty only when the output is a terminal.
 */
export function chooseLogFormat(setting: LogFormatSetting, isTTY: boolean | undefined): 'pretty' | 'json' {
  if (setting === 'auto') return isTTY ? 'pretty' : 'json';
  return setting;
}

/**
 * The stream pino writes to, on file descriptor `fd` (1: stdout, 2: stderr). Pretty lines go
 * through pino-pretty in this process, after pino has applied its redaction and serializers, so
 * what is left out of the JSON is left out of the pretty line too. Loaded only when used.
 */
export async function logDestination(format: 'pretty' | 'json', fd: 1 | 2): Promise<DestinationStream> {
  if (format === 'json') return pino.destination(fd);
  const { default: pretty } = await import('pino-pretty');
  const isTTY = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  return pretty({ destination: fd, sync: true, colorize: Boolean(isTTY), translateTime: 'SYS:HH:MM:ss.l' });
}
