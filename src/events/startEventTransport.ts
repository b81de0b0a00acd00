import type { Logger } from '../logging/Logger';
import type { EventTransport } from './EventTransport';

/** How long start-up waits for Redis before going on without it (as it waits for the database). */
const START_WAIT_MS = 5_000;

/**
 * The transport REDIS_URL names, connected (or given up on for now), or undefined for the
 * in-process one. Redis being unreachable does not stop the start, as an unreachable
 * COUCHDB_URL does not: the instance serves its own clients, says `degraded` in /health, and
 * its events cross instances once Redis answers.
 */
export async function startEventTransport(options: { redisUrl?: string; redisChannel: string; logger: Logger }): Promise<EventTransport | undefined> {
  if (!options.redisUrl) return undefined;
  // Required only here: a single instance never loads the Redis client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRedisTransport } = require('./createRedisTransport') as typeof import('./createRedisTransport');
  const transport = createRedisTransport({ url: options.redisUrl, channel: options.redisChannel, logger: options.logger });
  await transport.started(START_WAIT_MS);
  return transport;
}
