import type { FastifyBaseLogger } from 'fastify';

/** The logger shape used across the app: pino's, as Fastify exposes it. */
export type Logger = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;
