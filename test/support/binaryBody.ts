/**
 * A supertest parser that reads a binary response body as one Buffer:
 * `request(app).get(url).buffer(true).parse(binaryBody)`.
 */
import type request from 'supertest';

export function binaryBody(res: request.Response, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
