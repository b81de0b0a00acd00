/**
 * An upload to a running server process whose body arrives in two halves: it holds a request
 * slot until the test sends the rest (or the server gives up on it).
 */
import { connectRaw, multipartBody, parseResponse, processImageHead, readUntilClosed } from './rawHttp';
import type { ServerProcess } from './spawnServer';
import { health } from './uploads';
import { waitUntil } from './waitUntil';

const BOUNDARY = 'slow-upload-boundary-93hf';

/** Starts the upload of `photo`; resolves once it holds a slot, with its answer to come and a way to finish it. */
export async function startSlowUpload(server: ServerProcess, photo: Buffer) {
  const body = multipartBody([{ disposition: 'form-data; name="image"; filename="p.jpg"', contentType: 'image/jpeg', body: photo }], BOUNDARY);
  const socket = await connectRaw(server.httpPort);
  socket.on('error', () => undefined);
  const answer = readUntilClosed(socket).then(parseResponse);
  socket.write(processImageHead(body.length, BOUNDARY));
  socket.write(body.subarray(0, body.length / 2));
  await waitUntil(async () => (await health(server.httpUrl)).body.requests.running === 1, 'the upload to hold a slot');
  return { answer, finish: () => socket.write(body.subarray(body.length / 2)) };
}
