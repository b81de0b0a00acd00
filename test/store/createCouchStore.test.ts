/**
 * The CouchDB store over real HTTP: the embedded server by default, or the CouchDB in
 * COUCHDB_URL when set (unique database prefix per run, deleted afterwards).
 */
import { FIXTURE_PHOTO } from '../support/images';
import fs from 'node:fs';
import nano from 'nano';
import sharp from 'sharp';
import { StoreError } from '../../src/store/StoreError';
import { PipelineEventSchema } from '../../src/events/eventSchemas';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { waitFor } from './support/storeTarget';
import { useFreshStore } from './support/useFreshStore';
import { storedBytes } from './support/storedBytes';

const FIXTURE = FIXTURE_PHOTO;

describe(`createCouchStore against ${process.env.COUCHDB_URL ? 'COUCHDB_URL' : 'the embedded server'}`, () => {
  const fresh = useFreshStore();

  async function storeLifecycle(lifecycle: ReturnType<typeof makeLifecycle>): Promise<void> {
    await fresh.store.startRequest(lifecycle.started);
    for (const event of lifecycle.events) fresh.store.appendEvent(event);
    await fresh.store.finishRequest(lifecycle.finished);
  }

  it('reads back a request with its upload and images byte-identical, and no bytes in the document', async () => {
    const original = fs.readFileSync(FIXTURE);
    const jpeg = await sharp(original).resize(320).jpeg({ quality: 80 }).toBuffer();
    const webp = await sharp(original).resize(200).webp().toBuffer();
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id, { original, images: [jpeg, webp, jpeg], failLast: true });
    lifecycle.finished.images[1].mimeType = 'image/webp';

    await storeLifecycle(lifecycle);
    await waitFor(() => fresh.store.pendingWrites() === 0);

    const stored = await fresh.store.getRequest(id);
    expect(stored).toMatchObject({
      requestId: id,
      status: 'completed',
      engine: 'local',
      hasOriginal: true,
      imagesGenerated: 2,
      totalTime: '21.00',
      upload: lifecycle.started.upload,
      settings: lifecycle.finished.settings,
      analysis: lifecycle.finished.analysis,
      timings: lifecycle.finished.timings,
    });
    expect(stored?.images).toEqual([
      expect.objectContaining({ index: 1, status: 'completed', mimeType: 'image/jpeg', size: jpeg.length, stored: true }),
      expect.objectContaining({ index: 2, status: 'completed', mimeType: 'image/webp', size: webp.length, stored: true }),
      expect.objectContaining({ index: 3, status: 'failed', error: 'upstream timeout', stored: false }),
    ]);
    // Bytes live in attachments only.
    expect(JSON.stringify(stored)).not.toContain(jpeg.toString('base64').slice(0, 64));

    const first = await fresh.store.getImage(id, 1);
    const second = await fresh.store.getImage(id, 2);
    const upload = await fresh.store.getOriginal(id);
    expect((await storedBytes(first))?.equals(jpeg)).toBe(true);
    expect(first?.mimeType).toBe('image/jpeg');
    expect((await storedBytes(second))?.equals(webp)).toBe(true);
    expect(second?.mimeType).toBe('image/webp');
    expect((await storedBytes(upload))?.equals(original)).toBe(true);
    expect(upload?.mimeType).toBe('image/png');
    expect(upload?.sha256).toBe(lifecycle.started.upload.sha256);
    expect(await fresh.store.getImage(id, 3)).toBeNull();
    expect(await fresh.store.getImage(id, 9)).toBeNull();
  });

  it('returns the event log in emission order, without imageData, each event still valid', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);
    await storeLifecycle(lifecycle);
    await waitFor(() => fresh.store.pendingWrites() === 0);

    const events = await fresh.store.getEvents(id);
    expect(events.map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
    for (const event of events) {
      expect(event).not.toHaveProperty('imageData');
      expect(event.requestId).toBe(id);
    }
    const completed = events.filter((event) => event.type === 'individual_image_completed');
    expect(completed).toHaveLength(3);
    // Everything but imageData is kept; putting it back makes each event schema-valid again.
    for (const event of events) {
      const restored = event.type === 'individual_image_completed' ? { ...event, imageData: 'AA==' } : event;
      expect(PipelineEventSchema.safeParse(restored).success).toBe(true);
    }
    expect(events[3]).toEqual(lifecycle.events[3]);
  });

  it('stores 20 concurrent request lifecycles completely without a single conflict surfacing', async () => {
    const base = Date.now();
    const lifecycles = Array.from({ length: 20 }, (_, i) => makeLifecycle(makeRequestId(base + i)));

    await Promise.all(
      lifecycles.map(async (lifecycle) => {
        await fresh.store.startRequest(lifecycle.started);
        for (const event of lifecycle.events) {
          fresh.store.appendEvent(event);
          await new Promise((resolve) => setImmediate(resolve));
        }
        await fresh.store.finishRequest(lifecycle.finished);
      }),
    );
    await waitFor(() => fresh.store.pendingWrites() === 0);

    for (const lifecycle of lifecycles) {
      const id = lifecycle.started.requestId;
      const stored = await fresh.store.getRequest(id);
      expect(stored?.status).toBe('completed');
      expect(stored?.images.filter((image) => image.stored)).toHaveLength(3);
      for (const image of lifecycle.finished.images) {
        expect((await storedBytes(fresh.store.getImage(id, image.index)))?.equals(image.data as Buffer)).toBe(true);
      }
      expect((await storedBytes(fresh.store.getOriginal(id)))?.equals(lifecycle.started.original)).toBe(true);
      expect((await fresh.store.getEvents(id)).map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
    }
    const health = await fresh.store.health();
    expect(health).toMatchObject({ status: 'ok', pendingWrites: 0, lostWrites: 0 });
    expect(fresh.logger.entries.filter((entry) => entry.level === 'warn' || entry.level === 'error')).toEqual([]);
    expect(JSON.stringify(fresh.logger.entries)).not.toMatch(/409|conflict/i);
  });

  it('lists requests newest first, page by page, filtered by status', async () => {
    const base = Date.now();
    const ids = Array.from({ length: 5 }, (_, i) => makeRequestId(base + i * 1000));
    for (const [i, id] of ids.entries()) {
      const lifecycle = makeLifecycle(id);
      await fresh.store.startRequest(lifecycle.started);
      if (i % 2 === 0) await fresh.store.finishRequest(lifecycle.finished);
    }
    await waitFor(() => fresh.store.pendingWrites() === 0);
    const newestFirst = [...ids].reverse();

    const first = await fresh.store.listRequests({ limit: 2 });
    expect(first.requests.map((r) => r.requestId)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await fresh.store.listRequests({ limit: 2, cursor: first.nextCursor as string });
    expect(second.requests.map((r) => r.requestId)).toEqual(newestFirst.slice(2, 4));
    const third = await fresh.store.listRequests({ limit: 2, cursor: second.nextCursor as string });
    expect(third.requests.map((r) => r.requestId)).toEqual(newestFirst.slice(4));
    expect(third.nextCursor).toBeNull();

    const completed = await fresh.store.listRequests({ limit: 10, status: 'completed' });
    expect(completed.requests.map((r) => r.requestId)).toEqual([ids[4], ids[2], ids[0]]);
    expect(completed.requests[0]).toMatchObject({ status: 'completed', engine: 'local', imagesGenerated: 3, totalImages: 3, totalTime: '21.00' });
    const processing = await fresh.store.listRequests({ limit: 1, status: 'processing' });
    expect(processing.requests.map((r) => r.requestId)).toEqual([ids[3]]);
    const processingRest = await fresh.store.listRequests({ limit: 1, status: 'processing', cursor: processing.nextCursor as string });
    expect(processingRest.requests.map((r) => r.requestId)).toEqual([ids[1]]);
    expect(processingRest.nextCursor).toBeNull();

    // A cursor is bound to its listing and cannot be forged.
    await expect(fresh.store.listRequests({ limit: 2, status: 'failed', cursor: first.nextCursor as string })).rejects.toMatchObject({
      kind: 'invalid_cursor',
    });
    await expect(fresh.store.listRequests({ limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(StoreError);
  });

  it('answers null and empty for requests it never stored', async () => {
    const id = makeRequestId();
    expect(await fresh.store.getRequest(id)).toBeNull();
    expect(await fresh.store.getImage(id, 1)).toBeNull();
    expect(await fresh.store.getOriginal(id)).toBeNull();
    expect(await fresh.store.getEvents(id)).toEqual([]);
  });

  it('stores the result even when the start record never arrived', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);
    await fresh.store.finishRequest(lifecycle.finished);
    const stored = await fresh.store.getRequest(id);
    expect(stored).toMatchObject({ status: 'completed', hasOriginal: false, imagesGenerated: 3 });
    expect((await storedBytes(fresh.store.getImage(id, 2)))?.equals(lifecycle.finished.images[1].data as Buffer)).toBe(true);
  });

  it('stores a request rejected at validation (no start record) with the fields it was received with, and lists it as failed', async () => {
    const id = makeRequestId();
    const received = { engine: 'local' as const, createdAt: new Date().toISOString(), connectionId: 'conn-9', upload: { size: 12, sha256: 'ab'.repeat(32), originalName: 'x.jpg' } };
    const error = { code: 'INVALID_IMAGE', message: 'The file starts like a JPEG image but is corrupt or truncated', stage: 'validation' as const };
    await fresh.store.finishRequest({ requestId: id, status: 'failed', completedAt: new Date().toISOString(), totalTime: '3.00', timings: { validation: 2, total: 3 }, images: [], imagesGenerated: 0, error, received });
    expect(await fresh.store.getRequest(id)).toMatchObject({ requestId: id, status: 'failed', hasOriginal: false, images: [], imagesGenerated: 0, error, ...received });
    const page = await fresh.store.listRequests({ status: 'failed', limit: 10 });
    expect(page.requests).toEqual([expect.objectContaining({ requestId: id, status: 'failed', engine: 'local', createdAt: received.createdAt, totalImages: 0 })]);
  });

  it('keeps a start record\'s fields over the received fields a finish carries', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);
    await fresh.store.startRequest(lifecycle.started);
    const received = { engine: 'gemini' as const, createdAt: new Date(0).toISOString(), upload: { size: 1, sha256: '00'.repeat(32) } };
    await fresh.store.finishRequest({ ...lifecycle.finished, received });
    expect(await fresh.store.getRequest(id)).toMatchObject({ engine: 'local', createdAt: lifecycle.started.createdAt, upload: lifecycle.started.upload, hasOriginal: true });
  });

  it('stores an image before the request finishes, and finishing does not upload it again', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);
    const first = lifecycle.finished.images[0];
    await fresh.store.startRequest(lifecycle.started);
    await fresh.store.storeImage(id, { index: first.index, mimeType: first.mimeType as string, data: first.data as Buffer });
    expect((await storedBytes(fresh.store.getImage(id, first.index)))?.equals(first.data as Buffer)).toBe(true);
    expect(await fresh.store.getRequest(id)).toMatchObject({ status: 'processing' });
    const revpos = async () => (await nano(fresh.target.url).use<object>(`${fresh.target.dbPrefix}requests`).get(id))._attachments?.[`image-${first.index}`]?.revpos;
    const storedAt = await revpos();

    await fresh.store.finishRequest(lifecycle.finished);
    expect(await fresh.store.getRequest(id)).toMatchObject({ status: 'completed', imagesGenerated: 3 });
    // Re-uploading would have moved the attachment to a later revision.
    expect(await revpos()).toBe(storedAt);
    for (const image of lifecycle.finished.images.filter((i) => i.data)) {
      expect((await storedBytes(fresh.store.getImage(id, image.index)))?.equals(image.data as Buffer)).toBe(true);
    }
  });

  it('is idempotent: writing the same records twice changes nothing', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);
    await storeLifecycle(lifecycle);
    await fresh.store.startRequest(lifecycle.started);
    await fresh.store.finishRequest(lifecycle.finished);
    await waitFor(() => fresh.store.pendingWrites() === 0);
    expect(await fresh.store.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
    expect(await fresh.store.getEvents(id)).toHaveLength(lifecycle.events.length);
  });

  it('reports health with database document counts and no credentials', async () => {
    const id = makeRequestId();
    await storeLifecycle(makeLifecycle(id));
    await waitFor(() => fresh.store.pendingWrites() === 0);
    const health = await fresh.store.health();
    expect(health).toMatchObject({
      status: 'ok',
      reachable: true,
      mode: fresh.target.mode,
      pendingWrites: 0,
      lostWrites: 0,
      version: expect.any(String),
    });
    const databases = health.databases as Record<string, { name: string; docCount: number }>;
    expect(databases.requests.name).toBe(`${fresh.target.dbPrefix}requests`);
    expect(databases.events.docCount).toBe(13);
    // One request document plus the design document.
    expect(databases.requests.docCount).toBe(2);
    expect(health.url).not.toMatch(/:[^/:@]+@/);
  });

  it('closes idempotently and reports itself closed', async () => {
    await Promise.all([fresh.store.close(), fresh.store.close()]);
    expect((await fresh.store.health()).status).toBe('error');
    // Writes after close are dropped (counted), never thrown.
    fresh.store.appendEvent(makeLifecycle(makeRequestId()).events[0]);
    await expect(fresh.store.startRequest(makeLifecycle(makeRequestId()).started)).resolves.toBeUndefined();
    expect((await fresh.store.health()).lostWrites).toBe(2);
  });
});
