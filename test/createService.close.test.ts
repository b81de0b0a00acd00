/**
 * close() leaves nothing running: once it has resolved (and the event loop has turned once, to
 * release the handles it closed), no socket, server, child process or timer the service made is
 * still alive — with the embedded database in-process or in its own process, with Redis up, down
 * from the start or lost while running, and with the database down while writes are queued (also
 * when closed without draining).
 */
import request from 'supertest';
import { freePort } from './support/freePort';
import { createWsClient } from './support/createWsClient';
import { realPhotoJpeg } from './support/images';
import { startRedisServer, type RedisServer } from './support/startRedisServer';
import type { ServiceOverrides } from '../src/createService';
import { startTestService, type TestService } from './support/startTestService';
import { oneLoopTurn, watchResources, type ResourceWatch } from './support/watchResources';
import { waitFor } from './store/support/storeTarget';

describe('createService: nothing left running after close()', () => {
  let redis: RedisServer | undefined;
  let service: TestService | undefined;
  let watch: ResourceWatch | undefined;

  afterEach(async () => {
    watch?.stop();
    await service?.close();
    service = undefined;
    await redis?.stop();
    redis = undefined;
  });

  /** Starts the service with `env`, watching from just before what it makes. */
  async function start(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): Promise<TestService> {
    watch = watchResources();
    service = await startTestService(env, overrides);
    return service;
  }

  /** Closes the service (twice at once: close is idempotent) and answers what it left alive. */
  async function closeAndList(options?: { drain: false }): Promise<string[]> {
    const closing = service as TestService;
    await Promise.all([closing.close(options), closing.close(options)]);
    service = undefined;
    await oneLoopTurn();
    return (watch as ResourceWatch).alive();
  }

  const health = async (url: string) => (await request(url).get('/health').set('Connection', 'close')).body as { events: { status: string } };

  it('with the defaults (local engine, embedded database)', async () => {
    await start();
    expect(await closeAndList()).toEqual([]);
  });

  it('with the embedded database in its own child process (the npm start default)', async () => {
    const photo = await realPhotoJpeg();
    const { httpUrl } = await start({ IMAGE_COUNT: '1' }, { embeddedStore: 'child-process' });
    const res = await request(httpUrl).post('/process-image').set('Connection', 'close').attach('image', photo, 'photo.jpg');
    expect(res.status).toBe(200);
    expect(await closeAndList()).toEqual([]);
  });

  it('after an upload, with a WebSocket client still connected', async () => {
    const photo = await realPhotoJpeg();
    const { httpUrl, wsUrl } = await start({ IMAGE_COUNT: '2' });
    const client = await createWsClient(wsUrl);
    const res = await request(httpUrl).post('/process-image').set('Connection', 'close').attach('image', photo, 'photo.jpg');
    expect(res.status).toBe(200);
    await client.waitFor((m) => m.type === 'processing_completed');

    const closing = closeAndList();
    // The client's end of the connection is the test's: the server's going away closes it.
    expect((await client.closed).code).toBe(1001);
    expect(await closing).toEqual([]);
  });

  it('with REDIS_URL and Redis up', async () => {
    redis = await startRedisServer();
    const { httpUrl } = await start({ REDIS_URL: redis.url });
    expect((await health(httpUrl)).events.status).toBe('ok');
    expect(await closeAndList()).toEqual([]);
  });

  it('with REDIS_URL where nothing listens (Redis down from the start)', async () => {
    const { httpUrl } = await start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect((await health(httpUrl)).events.status).toBe('unavailable');
    expect(await closeAndList()).toEqual([]);
  });

  it('with REDIS_URL and Redis killed while the service runs', async () => {
    redis = await startRedisServer();
    const { httpUrl } = await start({ REDIS_URL: redis.url });
    await waitFor(async () => (await health(httpUrl)).events.status === 'ok');
    await redis.kill();
    await waitFor(async () => (await health(httpUrl)).events.status === 'unavailable');
    expect(await closeAndList()).toEqual([]);
  });

  it.each([
    ['', undefined],
    [', closed without draining (the stop after an uncaught exception)', { drain: false } as const],
  ])('with COUCHDB_URL where nothing listens (database down) and writes queued%s', async (_, options) => {
    const photo = await realPhotoJpeg();
    const { httpUrl } = await start({ COUCHDB_URL: `http://127.0.0.1:${await freePort()}`, IMAGE_COUNT: '1' });
    // The database being down never fails an upload: its writes wait in the queue.
    const res = await request(httpUrl).post('/process-image').set('Connection', 'close').attach('image', photo, 'photo.jpg');
    expect(res.status).toBe(200);
    expect(await closeAndList(options)).toEqual([]);
  });
});
