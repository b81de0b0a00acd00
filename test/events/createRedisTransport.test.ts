/**
 * The Redis transport against a real redis-server: two transports stand for two instances.
 */
import { createClient } from '@redis/client';
import type { RedisTransport } from '../../src/events/createRedisTransport';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { freePort } from '../support/freePort';
import { startRedisServer } from '../support/startRedisServer';
import { startUnansweredListener } from '../support/startUnansweredListener';
import { oneLoopTurn, watchResources } from '../support/watchResources';
import { waitFor } from '../store/support/storeTarget';
import { CHANNEL, imageEvent, started, useRedisTransports } from './support/useRedisTransports';

describe('createRedisTransport', () => {
  const transports = useRedisTransports();
  const { connect } = transports;
  /** What another program on the channel sends before an event, speaking this format. */
  const FOREIGN_HEADER = 'snatchshot-event/1 00000000-0000-4000-8000-000000000000\n';

  /** Runs `use` with a way to publish on the channel through a Redis client that is none of the transports. */
  async function withRawClient(use: (publish: (message: Buffer) => Promise<unknown>) => Promise<void>): Promise<void> {
    const raw = createClient({ url: transports.redis.url });
    await raw.connect();
    try {
      await use((message) => raw.publish(CHANNEL, message));
    } finally {
      await raw.close();
    }
  }

  it("delivers an instance's event to its own handlers at once and to the other instance's once, each exactly once", async () => {
    const a = connect();
    const b = connect();
    expect(await a.transport.started(10_000)).toBe('connected');
    expect(await b.transport.started(10_000)).toBe('connected');

    a.transport.publish(started('from a'));
    // Local delivery is synchronous: no Redis round trip before this instance's clients have it.
    expect(a.messages()).toEqual(['from a']);
    await waitFor(() => b.messages().includes('from a'));
    // B answers after it has A's event; Redis delivered A's own echo to A before B's reply.
    b.transport.publish(started('from b'));
    await waitFor(() => a.messages().includes('from b'));

    expect(a.messages()).toEqual(['from a', 'from b']);
    expect(b.messages()).toEqual(['from a', 'from b']);
    // The bytes the WebSocket clients are sent, as published.
    expect(JSON.parse(b.received[0].encoded!.toString('utf8'))).toEqual(a.received[0].event);
    expect(a.transport.health()).toEqual({ transport: 'redis', status: 'ok', unpublished: 0, rejected: 0, backlog: 0 });
    expect(a.logged('info', /events cross instances through Redis/)).toHaveLength(1);
  });

  it("keeps one instance's order on the other, with image events of several megabytes among small ones", async () => {
    const a = connect();
    const b = connect();
    await Promise.all([a.transport.started(10_000), b.transport.started(10_000)]);
    const sent: PipelineEvent[] = [];
    for (let i = 1; i <= 8; i += 1) {
      sent.push(started(`small ${i}`));
      // 7 MB of base64, the largest image event, and smaller ones.
      sent.push(imageEvent(i, i === 1 ? 7 * 1024 * 1024 : 300_000 * i));
    }
    for (const event of sent) a.transport.publish(event);

    await waitFor(() => b.received.length === sent.length);
    expect(b.received.map(({ event }) => event.message)).toEqual(sent.map((event) => event.message));
    const big = b.received[1].event as Extract<PipelineEvent, { type: 'individual_image_completed' }>;
    expect(big.imageData).toBe((sent[1] as typeof big).imageData);
    expect(a.transport.health().unpublished).toBe(0);
  });

  it('logs and drops what is not an event of this service on the channel, and goes on delivering', async () => {
    const b = connect();
    const a = connect();
    await Promise.all([a.transport.started(10_000), b.transport.started(10_000)]);
    await withRawClient(async (publish) => {
      const header = FOREIGN_HEADER;
      const junk = [
        Buffer.from('hello from another program'),
        Buffer.from(`${header}{"type":"analysis_started",`),
        Buffer.from(`${header}${JSON.stringify({ ...started('bad id'), requestId: 'not-a-request-id' })}`),
        Buffer.concat([Buffer.from(header), Buffer.from([0xff, 0xfe, 0x7b])]),
        Buffer.from(`snatchshot-event/9 x\n${JSON.stringify(started('future format'))}`),
      ];
      for (const message of junk) await publish(message);
      // Another program speaking this format is heard like an instance.
      await publish(Buffer.from(`${header}${JSON.stringify(started('well formed'))}`));
      a.transport.publish(started('after the junk'));

      await waitFor(() => b.messages().includes('after the junk'));
      expect(b.messages()).toEqual(['well formed', 'after the junk']);
      expect(b.transport.health()).toMatchObject({ status: 'ok', rejected: junk.length });
      const drops = b.logged('warn', /not an event/).map((entry) => entry.fields.problem);
      expect(drops).toEqual([
        'not a snatchshot-event/1 message',
        'the event is not JSON',
        expect.stringMatching(/^not a valid event: requestId: /),
        'the event is not UTF-8',
        'not a snatchshot-event/1 message',
      ]);
    });
  });

  it('drops a message over maxMessageBytes unread, however valid the event in it, and goes on delivering', async () => {
    const b = connect(transports.redis.url, { maxMessageBytes: 1_000_000 });
    const a = connect();
    await Promise.all([a.transport.started(10_000), b.transport.started(10_000)]);
    await withRawClient(async (publish) => {
      // A well-formed event from another publisher, twice as large as B reads.
      await publish(Buffer.from(`${FOREIGN_HEADER}${JSON.stringify(imageEvent(1, 2_000_000))}`));
      a.transport.publish(imageEvent(2, 900_000));

      await waitFor(() => b.received.length === 1);
      expect(b.received.map(({ event }) => (event as { imageIndex: number }).imageIndex)).toEqual([2]);
      expect(b.transport.health()).toMatchObject({ status: 'ok', rejected: 1 });
      expect(b.logged('warn', /not an event/).map((entry) => entry.fields.problem)).toEqual(['larger than 1000000 bytes']);
    });
  });

  it('holds what a stalled Redis cannot take past the cap in a bounded backlog, oldest dropped first, and publishes it once Redis catches up', async () => {
    const a = connect(transports.redis.url, { maxPendingBytes: 3_500_000, maxBacklogBytes: 1_500_000 });
    const b = connect();
    await Promise.all([a.transport.started(10_000), b.transport.started(10_000)]);

    transports.redis.pause();
    try {
      for (let i = 1; i <= 5; i += 1) a.transport.publish(imageEvent(i, 1_000_000));
      // Every event still reaches this instance's clients.
      expect(a.received).toHaveLength(5);
      // 1 to 3 await acknowledgement; 4 made room for 5 in the backlog.
      expect(a.transport.health()).toMatchObject({ unpublished: 1, backlog: 1 });
      expect(a.logged('warn', /not keeping up/)).toHaveLength(1);
      expect(a.logged('warn', /dropped, oldest first/)).toHaveLength(1);
    } finally {
      transports.redis.resume();
    }
    await waitFor(() => b.received.length === 4 && a.logged('info', /caught up/).length === 1);
    expect(b.received.map(({ event }) => (event as { imageIndex: number }).imageIndex)).toEqual([1, 2, 3, 5]);
    expect(a.transport.health()).toMatchObject({ unpublished: 1, backlog: 0 });
  });

  it('does not hold the start when Redis is unreachable, connects once it is there, and never logs its password', async () => {
    const port = await freePort();
    const a = connect(`redis://:Sup3rSecret@127.0.0.1:${port}`);
    expect(await a.transport.started(10_000)).toBe('unreachable');
    expect(a.transport.health().status).toBe('unavailable');
    const [warning] = a.logged('warn', /not reachable at start/);
    expect(warning?.fields).toMatchObject({ url: `redis://***:***@127.0.0.1:${port}`, channel: CHANNEL });

    const late = await startRedisServer({ port, password: 'Sup3rSecret' });
    try {
      await waitFor(() => a.transport.health().status === 'ok');
      expect(a.logged('info', /events cross instances through Redis/)).toHaveLength(1);
      expect(a.logged('warn', /./)).toHaveLength(1);
      expect(JSON.stringify(a.logger.entries)).not.toContain('Sup3r');
    } finally {
      await transports.closeAll();
      await late.stop();
    }
  });

  it('closes idempotently, leaving no connection open, and delivers nothing after', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const before = sockets();
    const a = connect();
    await a.transport.started(10_000);
    expect(sockets()).toBe(before + 2);

    const closing = a.transport.close();
    expect(a.transport.close()).toBe(closing);
    await closing;
    a.transport.publish(started('after close'));
    expect(a.received).toEqual([]);
    // The sockets' handles are released as the event loop turns.
    await waitFor(() => sockets() === before);
    expect(a.transport.health().status).toBe('unavailable');
  });

  /** What closing the transport `made` leaves running of what it made. */
  async function leftByClose(made: () => Promise<RedisTransport>): Promise<string[]> {
    const watch = watchResources();
    try {
      const transport = await made();
      await transport.close();
      await oneLoopTurn();
      return watch.alive();
    } finally {
      watch.stop();
    }
  }

  it('closed while Redis is unreachable, leaves no reconnection timer or socket running', async () => {
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    const left = await leftByClose(async () => {
      const a = connect(unreachable);
      expect(await a.transport.started(10_000)).toBe('unreachable');
      return a.transport;
    });
    expect(left).toEqual([]);
  });

  it('closed while its connect gets no answer (packets dropped), leaves nothing of it running', async () => {
    const listener = await startUnansweredListener();
    try {
      const unanswered = `redis://127.0.0.1:${listener.port}`;
      expect(await leftByClose(() => Promise.resolve(connect(unanswered).transport))).toEqual([]);
    } finally {
      await listener.stop();
    }
  });

  it('closed while its connections are still being made, leaves none running', async () => {
    expect(await leftByClose(() => Promise.resolve(connect().transport))).toEqual([]);
  });
});
