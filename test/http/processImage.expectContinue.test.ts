/**
 * `Expect: 100-continue` (curl sends it for any upload over 1 MB): the client holds its body
 * until the server says 100 Continue. A request refused from its headers must be refused
 * before that go-ahead, not after the client has uploaded the photo; one that is accepted gets
 * the go-ahead and its result.
 */
import type net from 'node:net';
import { connectRaw, multipartBody, parseResponse, postHead, readUntilClosed } from '../hardening/support/rawHttp';
import { waitUntil } from '../hardening/support/waitUntil';
import { health } from '../hardening/support/uploads';
import { syntheticPhoto } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';

const BOUNDARY = 'expect-continue-boundary-Qw81';

/** The request head of an upload of `length` bytes that waits for 100 Continue. */
const expectingHead = (length: number) => postHead(length, `multipart/form-data; boundary=${BOUNDARY}`, ['Expect: 100-continue']);

/** The status line of the first response head the server sends on `socket` (interim or final). */
function firstStatusLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve(received.split('\r\n')[0]);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(received)}`)));
  });
}

describe('POST /process-image with Expect: 100-continue', () => {
  let service: TestService;
  let body: Buffer;
  const sockets: net.Socket[] = [];

  const connect = async () => {
    const socket = await connectRaw(service.httpPort);
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    service = await startTestService({ MAX_UPLOAD_MB: '1', MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '0', IMAGE_COUNT: '1' });
    const photo = await syntheticPhoto({ width: 320, height: 240 });
    body = multipartBody([{ disposition: 'form-data; name="image"; filename="photo.jpg"', contentType: 'image/jpeg', body: photo }], BOUNDARY);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await service.close();
  });

  it('says 100 Continue once the upload is going to be read, then answers it', async () => {
    const socket = await connect();
    const first = firstStatusLine(socket);
    socket.write(expectingHead(body.length));
    expect(await first).toBe('HTTP/1.1 100 Continue');
    const rest = readUntilClosed(socket);
    socket.write(body);
    const answer = parseResponse(await rest);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ success: true, imagesGenerated: 1 });
  });

  it('refuses an announced body over the limit with 413 before the go-ahead, and closes', async () => {
    const socket = await connect();
    const first = firstStatusLine(socket);
    const all = readUntilClosed(socket);
    socket.write(expectingHead(50 * 1024 * 1024));
    expect(await first).toBe('HTTP/1.1 413 Payload Too Large');
    // No body will follow a refusal the client was never invited to send: the connection ends.
    const answer = parseResponse(await all);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'FILE_TOO_LARGE' } });
    expect(answer.headers.connection).toBe('close');
  });

  it('answers 503 BUSY before the go-ahead when every slot is taken', async () => {
    // Holds the only slot: its body stops half-way.
    const holder = await connect();
    holder.write(expectingHead(body.length));
    await firstStatusLine(holder);
    holder.write(body.subarray(0, body.length / 2));
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.running === 1, "the holder to take the slot");

    const socket = await connect();
    const first = firstStatusLine(socket);
    socket.write(expectingHead(body.length));
    expect(await first).toBe('HTTP/1.1 503 Service Unavailable');
  });

  it('refuses any other expectation with 417 EXPECTATION_FAILED as JSON, before reading the body, and closes', async () => {
    const socket = await connect();
    const all = readUntilClosed(socket);
    socket.write(postHead(body.length, `multipart/form-data; boundary=${BOUNDARY}`, ['Expect: 200-ok']));
    const answer = parseResponse(await all);
    expect(answer.status).toBe(417);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ success: false, error: { code: 'EXPECTATION_FAILED', message: expect.stringContaining('200-ok') } });
    expect((await health(service.httpUrl)).body.requests.running).toBe(0);
  });

  it('answers the same on any path, so a GET with an unmet expectation is not served', async () => {
    const socket = await connect();
    const all = readUntilClosed(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n\r\n');
    const answer = parseResponse(await all);
    expect(answer.status).toBe(417);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'EXPECTATION_FAILED' } });
  });
});
