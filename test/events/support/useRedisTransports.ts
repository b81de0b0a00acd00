/**
 * Redis transports standing for instances, against a real redis-server of each test's own: the
 * events they exchange, and what each received and logged. Read `redis` inside tests; it
 * changes before each one.
 */
import { createRedisTransport, type RedisTransport, type RedisTransportOptions } from '../../../src/events/createRedisTransport';
import type { PipelineEvent } from '../../../src/events/eventSchemas';
import { captureLogger } from '../../support/captureLogger';
import { startRedisServer, type RedisServer } from '../../support/startRedisServer';

export const REQUEST = 'req_1758260128188_zfubq1yiv';
export const CHANNEL = 'test:events';

export const started = (message: string, requestId = REQUEST): PipelineEvent => ({ type: 'analysis_started', requestId, message, timestamp: new Date().toISOString() });

/** An image event carrying `bytes` of base64. */
export function imageEvent(index: number, bytes: number): PipelineEvent {
  return {
    type: 'individual_image_completed',
    requestId: REQUEST,
    message: `Image ${index}/8 generated successfully: edit ${index}`,
    timestamp: new Date().toISOString(),
    imageIndex: index,
    totalImages: 8,
    title: `edit ${index}`,
    imageData: String.fromCharCode(65 + index).repeat(bytes),
    mimeType: 'image/jpeg',
    durationMs: 1,
  };
}

export type TransportOptions = Omit<RedisTransportOptions, 'url' | 'channel' | 'logger'>;

/** A transport with its own log and a record of what its handlers received (wire bytes too). */
export function instance(url: string, options: TransportOptions = {}) {
  const logger = captureLogger();
  const transport = createRedisTransport({ url, channel: CHANNEL, logger, ...options });
  const received: Array<{ event: PipelineEvent; encoded?: Buffer }> = [];
  transport.subscribe((event, encoded) => received.push({ event, encoded }));
  const messages = () => received.map(({ event }) => event.message);
  const logged = (level: string, pattern: RegExp) => logger.entries.filter((e) => e.level === level && pattern.test(e.msg));
  return { transport, logger, received, messages, logged };
}

export type Instance = ReturnType<typeof instance>;

export interface RedisTransports {
  /** This test's redis-server. */
  redis: RedisServer;
  /** A transport to `url` (this test's Redis by default), closed after the test. */
  connect: (url?: string, options?: TransportOptions) => Instance;
  /** Closes every transport opened so far. */
  closeAll: () => Promise<unknown>;
}

/** A redis-server for each test of the calling `describe`, and transports closed after it. */
export function useRedisTransports(): RedisTransports {
  const open: RedisTransport[] = [];
  const used: RedisTransports = {
    redis: undefined as unknown as RedisServer,
    connect: (url = used.redis.url, options = {}) => {
      const made = instance(url, options);
      open.push(made.transport);
      return made;
    },
    closeAll: () => Promise.all(open.splice(0).map((transport) => transport.close())),
  };
  beforeEach(async () => {
    used.redis = await startRedisServer();
  });
  afterEach(async () => {
    await used.closeAll();
    await used.redis.stop();
  });
  return used;
}
