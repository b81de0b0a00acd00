/**
 * One Redis connection kept up across outages against a real redis-server, and what its close()
 * leaves running: nothing, whether Redis is up, down, stalled or still being connected to.
 */
import { keepRedisConnected, type RedisClient, type RedisConnection } from '../../src/events/keepRedisConnected';
import { freePort } from '../support/freePort';
import { startRedisServer, type RedisServer } from '../support/startRedisServer';
import { oneLoopTurn, watchResources, type ResourceWatch } from '../support/watchResources';
import { startUnansweredListener } from '../support/startUnansweredListener';
import { waitFor } from '../store/support/storeTarget';

describe('keepRedisConnected', () => {
  let redis: RedisServer | undefined;
  let watch: ResourceWatch | undefined;
  const open: RedisConnection[] = [];

  afterEach(async () => {
    watch?.stop();
    await Promise.all(open.splice(0).map((connection) => connection.close()));
    await redis?.stop();
    redis = undefined;
  });

  /** A connection to `url` recording its clients, errors and readiness, watched from before it starts. */
  function connect(url: string) {
    const record = { clients: [] as RedisClient[], errors: 0, readies: 0 };
    watch = watchResources();
    const connection = keepRedisConnected({
      client: { url },
      prepare: (client) => record.clients.push(client),
      onError: () => (record.errors += 1),
      onReady: () => (record.readies += 1),
      retryDelayMs: () => 20,
      closeGraceMs: 1_000,
    });
    open.push(connection);
    return { connection, record };
  }

  /** Closes `connection` and answers what it left alive. */
  async function closeAndList(connection: RedisConnection): Promise<string[]> {
    await Promise.all([connection.close(), connection.close()]);
    await oneLoopTurn();
    return (watch as ResourceWatch).alive();
  }

  it('replaces the client after a dropped connection, prepared again, and is ready again once Redis is back', async () => {
    redis = await startRedisServer();
    const { connection, record } = connect(redis.url);
    await waitFor(() => connection.isReady);
    const first = connection.client;

    await redis.kill();
    await waitFor(() => record.errors > 0 && !connection.isReady && record.clients.length >= 3);
    await redis.restart();
    await waitFor(() => connection.isReady);
    expect(connection.client).not.toBe(first);
    expect(record.clients[record.clients.length - 1]).toBe(connection.client);
    expect(record.readies).toBe(2);
    expect(await connection.client.ping()).toBe('PONG');
  });

  it('closed while waiting to reconnect (Redis down), leaves no timer or socket running', async () => {
    const { connection, record } = connect(`redis://127.0.0.1:${await freePort()}`);
    // Failed more than once: a wait for the next attempt is under way.
    await waitFor(() => record.clients.length >= 2);
    expect(await closeAndList(connection)).toEqual([]);
    expect(connection.isReady).toBe(false);
  });

  it('closed while still connecting, leaves no connection running, though Redis answers after the close began', async () => {
    redis = await startRedisServer();
    const { connection, record } = connect(redis.url);
    // The TCP connection is not made yet: it completes after this close has begun.
    expect(await closeAndList(connection)).toEqual([]);
    expect(record.readies).toBe(0);
    expect(connection.isReady).toBe(false);
  });

  it('closed while its connect gets no answer (packets dropped), ends that attempt at once, leaving nothing running', async () => {
    const listener = await startUnansweredListener();
    try {
      const { connection, record } = connect(`redis://127.0.0.1:${listener.port}`);
      // Not a refusal: the attempt is still pending, with node-redis's 5 s connect timeout ahead.
      await oneLoopTurn();
      expect(record.errors).toBe(0);
      expect(await closeAndList(connection)).toEqual([]);
      expect(record.errors).toBe(0);
    } finally {
      await listener.stop();
    }
  });

  it('closed while ready, still waits for the replies to what was sent, and leaves nothing running', async () => {
    redis = await startRedisServer();
    const { connection } = connect(redis.url);
    await waitFor(() => connection.isReady);
    const sent = connection.client.set('key', 'value');
    const left = await closeAndList(connection);
    await expect(sent).resolves.toBe('OK');
    expect(left).toEqual([]);
  });

  it('closed while Redis is stalled, cuts the connection after the grace, and leaves nothing running', async () => {
    redis = await startRedisServer();
    const { connection } = connect(redis.url);
    await waitFor(() => connection.isReady);
    redis.pause();
    try {
      const sent = expect(connection.client.set('key', 'value')).rejects.toThrow('Disconnects client');
      expect(await closeAndList(connection)).toEqual([]);
      await sent;
    } finally {
      redis.resume();
    }
  });
});
