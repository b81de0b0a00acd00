/**
 * Clients that go away: mid-upload, while queued, and while their pipeline runs. Each must free
 * its slot (and only when its work has really stopped) and never hang the server.
 */
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createGatedEngine, type GatedEngine } from './support/gatedEngine';
import { connectRaw, jsonBody, multipartBody, parseResponse, processImageHead, readUntilClosed } from './support/rawHttp';
import { health, upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

const BOUNDARY = 'hardening-boundary-7MA4YWxkTrZu0gW';

/** A full POST /process-image request for `photo`, split into head+first half and the rest. */
function halves(photo: Buffer): [Buffer, Buffer] {
  const body = multipartBody([{ disposition: 'form-data; name="image"; filename="p.jpg"', contentType: 'image/jpeg', body: photo }], BOUNDARY);
  const head = processImageHead(body.length, BOUNDARY);
  const cut = Math.floor(body.length / 2);
  return [Buffer.concat([head, body.subarray(0, cut)]), body.subarray(cut)];
}

describe('clients that abandon their request', () => {
  let service: TestService;
  let engine: GatedEngine;
  let photo: Buffer;

  async function start(options: { honourAbort?: boolean; env?: Record<string, string> } = {}) {
    engine = createGatedEngine(createLocalEngine(), options);
    service = await startTestService({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '2', IMAGE_COUNT: '1', ...options.env }, { engine });
  }

  beforeAll(async () => {
    photo = await realPhotoJpeg();
  });
  afterEach(async () => {
    engine?.open();
    await service?.close();
  });

  async function expectServesNormally() {
    engine.open();
    const ok = await upload(service.httpUrl, photo);
    expect(ok.status).toBe(200);
    expect(ok.body.imagesGenerated).toBe(1);
    const after = await health(service.httpUrl);
    expect(after.body.requests).toMatchObject({ running: 0, queued: 0 });
  }

  it('frees the slot of a client that disconnects halfway through its upload', async () => {
    await start();
    const [first] = halves(photo);
    const socket = await connectRaw(service.httpPort);
    socket.write(first);
    // The slot is taken before the body is read.
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 1, 'the upload to hold a slot');
    socket.destroy();
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 0, 'the slot to be released');
    // With MAX_CONCURRENT_REQUESTS=1 a leaked slot would leave this request waiting forever.
    await expectServesNormally();
    expect(engine.entered).toBe(2); // only the normal request reached the engine
  });

  it('removes a queued client that disconnects before sending its body', async () => {
    await start();
    const held = upload(service.httpUrl, photo);
    await engine.waitForEntered(2);
    const socket = await connectRaw(service.httpPort);
    const [first] = halves(photo);
    socket.write(first.subarray(0, first.indexOf('\r\n\r\n') + 4));
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.queued === 1, 'the second upload to queue');
    socket.destroy();
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.queued === 0, 'the queue to empty');
    expect((await health(service.httpUrl)).body.requests.running).toBe(1);
    engine.open();
    expect((await held).status).toBe(200);
    await expectServesNormally();
  });

  it('frees the turn of a queued client that disconnected mid-body as soon as its turn comes', async () => {
    await start();
    const held = upload(service.httpUrl, photo);
    await engine.waitForEntered(2);
    const socket = await connectRaw(service.httpPort);
    // Past the request stream's buffer the server stops reading this socket while it waits,
    // so the departure can only be seen once the body is read, when its turn comes.
    socket.write(halves(photo)[0]);
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.queued === 1, 'the second upload to queue');
    socket.destroy();
    engine.open();
    expect((await held).status).toBe(200);
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 0 && (await health(service.httpUrl)).body.requests.queued === 0, 'the abandoned turn to be freed');
    // Only the held request and the one below ever reached the engine.
    await expectServesNormally();
    expect(engine.entered).toBe(4);
  });

  it('answers a client that finishes its upload slowly, after others went away', async () => {
    await start();
    const [first, rest] = halves(photo);
    const socket = await connectRaw(service.httpPort);
    const answer = readUntilClosed(socket);
    socket.write(first);
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 1, 'the upload to hold a slot');
    engine.open();
    // write, not end: Node's HTTP server treats a half-close as the client leaving.
    socket.write(rest);
    const response = parseResponse(await answer);
    expect(response.status).toBe(200);
  });

  it('answers an upload that goes silent mid-body with 408 UPLOAD_TIMEOUT and frees its slot', async () => {
    await start({ env: { UPLOAD_IDLE_TIMEOUT_MS: '1000' } });
    const watcher = await createWsClient(service.wsUrl);
    const socket = await connectRaw(service.httpPort);
    const answer = readUntilClosed(socket);
    // Half the body, then nothing: without the idle timeout the slot would be held until
    // Node's whole-request timeout, minutes away.
    socket.write(halves(photo)[0]);
    const response = parseResponse(await answer);
    expect(response.status).toBe(408);
    expect(jsonBody(response)).toMatchObject({ success: false, error: { code: 'UPLOAD_TIMEOUT', message: expect.stringContaining('for 1 s') } });
    expect(response.headers.connection).toBe('close');
    await expectServesNormally();
    // Refused before the pipeline: no event, and only the normal request reached the engine.
    expect(watcher.messages.filter((m) => m.type === 'processing_started')).toHaveLength(1);
    expect(engine.entered).toBe(2);
    await watcher.close();
  });

  it('keeps an upload that is slow but never silent for the idle timeout', async () => {
    await start({ env: { UPLOAD_IDLE_TIMEOUT_MS: '1000' } });
    engine.open();
    const whole = Buffer.concat(halves(photo));
    const socket = await connectRaw(service.httpPort);
    const answer = readUntilClosed(socket);
    // Thirty pieces 50 ms apart: 1.5 s in all, longer than the idle timeout, but never close to
    // a second without a byte (room for a busy machine's late timers).
    const size = Math.ceil(whole.length / 30);
    const started = Date.now();
    for (let offset = 0; offset < whole.length; offset += size) {
      socket.write(whole.subarray(offset, offset + size));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(parseResponse(await answer).status).toBe(200);
  });

  it('stops watching for silence once the body is in: a pipeline outlasting the idle timeout still answers 200', async () => {
    await start({ env: { UPLOAD_IDLE_TIMEOUT_MS: '1000' } });
    const socket = await connectRaw(service.httpPort);
    const answer = readUntilClosed(socket);
    socket.write(Buffer.concat(halves(photo)));
    await engine.waitForEntered(2);
    // The client has sent everything and waits, silent, longer than the upload idle timeout. A
    // socket timer still armed now would make Node destroy the connection (the request is complete).
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    engine.open();
    const response = parseResponse(await answer);
    expect(response.status).toBe(200);
    expect(engine.abortsSeen).toBe(0);
  });

  it('aborts the pipeline of a client that disconnects while it runs, with a processing_error', async () => {
    await start();
    const watcher = await createWsClient(service.wsUrl);
    const socket = await connectRaw(service.httpPort);
    socket.on('error', () => undefined);
    socket.write(Buffer.concat(halves(photo)));
    await engine.waitForEntered(2);
    const started = await watcher.waitFor((m) => m.type === 'processing_started');
    socket.destroy();
    const terminal = await watcher.waitFor((m) => m.requestId === started.requestId && (m.type === 'processing_error' || m.type === 'processing_completed'));
    expect(terminal).toMatchObject({ type: 'processing_error', code: 'CLIENT_CLOSED', stage: expect.stringMatching(/^(content|photo)_analysis$/) });
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 0, 'the slot to be released');
    await watcher.close();
    await expectServesNormally();
  });

  it('holds the slot until an uncancellable pipeline of a departed client has really finished', async () => {
    await start({ honourAbort: false });
    const watcher = await createWsClient(service.wsUrl);
    const socket = await connectRaw(service.httpPort);
    socket.on('error', () => undefined);
    socket.write(Buffer.concat(halves(photo)));
    await engine.waitForEntered(2);
    const started = await watcher.waitFor((m) => m.type === 'processing_started');
    socket.destroy();
    // The server has noticed the departure (the pipeline's signal fired) ...
    await engine.waitForAborts(2);
    // ... but the work is still running, so its slot is still taken: a new upload must queue.
    expect((await health(service.httpUrl)).body.requests.running).toBe(1);
    engine.open();
    await watcher.waitFor((m) => m.requestId === started.requestId && (m.type === 'processing_error' || m.type === 'processing_completed'));
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 0, 'the slot to be released');
    await watcher.close();
    await expectServesNormally();
  });
});
