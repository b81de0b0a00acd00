/**
 * The Redis transport through an outage of a real redis-server: what was emitted meanwhile waits
 * in a bounded backlog and crosses once Redis is back, in order, once, before anything later.
 */
import { createClient } from '@redis/client';
import { oneLoopTurn, watchResources } from '../support/watchResources';
import { waitFor } from '../store/support/storeTarget';
import { imageEvent, started, useRedisTransports, type Instance, type TransportOptions } from './support/useRedisTransports';

const indexes = (instance: Instance) => instance.received.map(({ event }) => (event as { imageIndex?: number }).imageIndex ?? event.message);

describe('createRedisTransport through a Redis outage', () => {
  const transports = useRedisTransports();

  /** Two instances, connected, then Redis killed and both seeing it down. */
  async function outage(options: TransportOptions = {}): Promise<[Instance, Instance]> {
    const a = transports.connect(undefined, options);
    const b = transports.connect();
    await Promise.all([a.transport.started(10_000), b.transport.started(10_000)]);
    await transports.redis.kill();
    await waitFor(() => a.transport.health().status === 'unavailable' && b.transport.health().status === 'unavailable');
    return [a, b];
  }

  const restart = async (...instances: Instance[]) => {
    await transports.redis.restart();
    await waitFor(() => instances.every(({ transport }) => transport.health().status === 'ok'));
  };

  it('publishes what was emitted during the outage once Redis is back, in order and once, before what is emitted after', async () => {
    const [a, b] = await outage();
    // A client of its own, to see that Redis stays down over several reconnection attempts.
    const probe = createClient({ url: transports.redis.url, socket: { reconnectStrategy: 50 } });
    let probeErrors = 0;
    probe.on('error', () => (probeErrors += 1));
    const during = ['during 1', 'during 2', 'during 3'];
    try {
      for (const message of during) a.transport.publish(started(message));
      // Local delivery does not wait.
      expect(a.messages()).toEqual(during);
      void probe.connect().catch(() => undefined);
      await waitFor(() => probeErrors >= 5);
      expect(a.logged('warn', /Redis unreachable/)).toHaveLength(1);
      expect(a.transport.health()).toMatchObject({ status: 'unavailable', unpublished: 0, backlog: 3 });

      await restart(a, b);
      // Emitted once Redis is back, while the backlog may still wait: it must not overtake it.
      a.transport.publish(started('after'));
      await waitFor(() => b.messages().includes('after'));
      expect(b.messages()).toEqual([...during, 'after']);
      // The echo of the replayed events is dropped as any other.
      expect(a.messages()).toEqual([...during, 'after']);
      expect(a.transport.health()).toMatchObject({ status: 'ok', unpublished: 0, backlog: 0 });
      expect(a.logged('info', /Redis reachable again/)).toHaveLength(1);
    } finally {
      probe.destroy();
    }
  });

  it('keeps at most maxBacklogBytes, dropping the oldest, counted and logged once', async () => {
    const [a, b] = await outage({ maxBacklogBytes: 2_500_000 });
    for (let i = 1; i <= 5; i += 1) a.transport.publish(imageEvent(i, 1_000_000));
    expect(a.received).toHaveLength(5);
    expect(a.transport.health()).toMatchObject({ unpublished: 3, backlog: 2 });
    const dropped = a.logged('warn', /dropped, oldest first/);
    expect(dropped.map((entry) => entry.fields.reason)).toEqual(['full']);

    await restart(a, b);
    await waitFor(() => b.received.length === 2);
    expect(indexes(b)).toEqual([4, 5]);
  });

  it('drops, when Redis is back, what waited longer than maxBacklogAgeMs, and publishes the rest', async () => {
    let now = 1_000_000;
    const [a, b] = await outage({ maxBacklogAgeMs: 30_000, now: () => now });
    a.transport.publish(started('old'));
    now += 20_000;
    a.transport.publish(started('young'));
    now += 20_000;
    expect(a.transport.health()).toMatchObject({ unpublished: 0, backlog: 2 });

    await restart(a, b);
    a.transport.publish(started('after'));
    await waitFor(() => b.messages().includes('after'));
    expect(b.messages()).toEqual(['young', 'after']);
    expect(a.transport.health().unpublished).toBe(1);
    expect(a.logged('warn', /dropped, oldest first/).map((entry) => entry.fields.reason)).toEqual(['too old']);
  });

  it('publishes what is emitted while the backlog is being published after it', async () => {
    // Room for one image event unacknowledged: the backlog goes out one event per round trip.
    const [a, b] = await outage({ maxPendingBytes: 1_500_000 });
    for (let i = 1; i <= 4; i += 1) a.transport.publish(imageEvent(i, 1_000_000));
    let waitingOnA: number | undefined;
    b.transport.subscribe(() => {
      // As the first replayed event arrives, A emits another.
      if (waitingOnA !== undefined) return;
      waitingOnA = a.transport.health().backlog;
      a.transport.publish(started('emitted during the replay'));
    });

    await restart(a, b);
    await waitFor(() => b.received.length === 5);
    expect(indexes(b)).toEqual([1, 2, 3, 4, 'emitted during the replay']);
    // The replay was still under way when it was emitted.
    expect(waitingOnA).toBeGreaterThan(0);
  });

  it('closed during an outage, gives up its backlog (counted and logged) and leaves nothing running', async () => {
    const [a, b] = await outage();
    // B's reconnection attempts would be seen by the watch too.
    await b.transport.close();
    a.transport.publish(started('one'));
    a.transport.publish(started('two'));
    const watch = watchResources();
    try {
      await a.transport.close();
      await oneLoopTurn();
      expect(watch.alive()).toEqual([]);
    } finally {
      watch.stop();
    }
    expect(a.transport.health()).toMatchObject({ unpublished: 2, backlog: 0 });
    expect(a.logged('warn', /closing with events Redis has not taken/).map((entry) => entry.fields.events)).toEqual([2]);
  });
});
