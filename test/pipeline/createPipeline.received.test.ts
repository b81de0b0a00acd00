/**
 * A request is in the database from the moment it is received, not only once its upload has
 * been checked: an instance behind the same load balancer that did not receive it (SPEC §8) then
 * answers `processing` for it, as the receiving one does from memory, instead of 404.
 */
import fs from 'node:fs';
import { createHeicDecoder, type HeicDecoder } from '../../src/domain/heic/createHeicDecoder';
import { createEventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createPipeline } from '../../src/pipeline/createPipeline';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { HEVC_HEIC_FIXTURE } from '../support/images';
import { startStoreTarget, waitFor, type StoreTarget } from '../store/support/storeTarget';

const logger = createLogger({ level: 'silent' });

/** The real decoder, holding every decode until `release()`: the upload stays under validation. */
function heldDecoder(): { decoder: HeicDecoder; release(): void } {
  const real = createHeicDecoder();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    decoder: {
      decode: async (heic, options) => {
        await released;
        return real.decode(heic, options);
      },
      get active() {
        return real.active;
      },
      get waiting() {
        return real.waiting;
      },
    },
    release,
  };
}

describe('createPipeline: the record of a request being received', () => {
  let target: StoreTarget;
  let store: CouchStore;
  const engine = createLocalEngine();
  const bus = createEventBus({ logger, validate: true });
  const events: PipelineEvent[] = [];
  bus.subscribe((e) => events.push(e));

  beforeEach(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger, dbPrefix: target.dbPrefix });
    events.length = 0;
  });
  afterEach(async () => {
    await store.close();
    await target.close();
  });
  afterAll(async () => {
    await engine.close();
    await bus.close();
  });

  it('is stored as processing while the upload is still being checked, then completed with its upload', async () => {
    const held = heldDecoder();
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 1, maxImagePixels: 1e8, requestTimeoutMs: 60_000, heicDecoder: held.decoder });
    const requestId = 'req_1758260128188_received1';
    const running = pipeline.process({ requestId, upload: fs.readFileSync(HEVC_HEIC_FIXTURE), originalName: 'photo.heic', connectionId: 'conn-1' });
    try {
      await waitFor(async () => (await store.getRequest(requestId)) !== null, 25, 10_000);
      expect(events.map((e) => e.type)).toEqual(['processing_started']);
      expect(await store.getRequest(requestId)).toMatchObject({ status: 'processing', engine: 'local', connectionId: 'conn-1', createdAt: expect.any(String), hasOriginal: false });
    } finally {
      held.release();
    }
    await running;
    await waitFor(() => store.pendingWrites() === 0);
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'completed', hasOriginal: true, upload: { format: 'heif', originalName: 'photo.heic' } });
  });

  it('keeps what a rejected upload is stored with: its size and hash, no photo', async () => {
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 1, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_received2';
    await expect(pipeline.process({ requestId, upload: Buffer.from('not a photo at all'), originalName: 'x.jpg' })).rejects.toMatchObject({ status: 415 });
    await waitFor(() => store.pendingWrites() === 0);
    expect(await store.getRequest(requestId)).toMatchObject({
      status: 'failed',
      engine: 'local',
      createdAt: expect.any(String),
      hasOriginal: false,
      upload: { size: 18, originalName: 'x.jpg' },
      error: { stage: 'validation' },
    });
  });
});
