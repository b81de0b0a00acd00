/**
 * A refused request's connection: closed after the answer when nothing more can arrive; kept
 * reading (and discarding) while an upload is still coming, so the client sees the answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { lingerOnRefusal } from '../../src/http/lingerOnRefusal';
import { connectRaw, parseResponse, readOneResponse, readUntilClosed } from '../hardening/support/rawHttp';

describe('lingerOnRefusal', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    app.use((req, res) => {
      lingerOnRefusal(req, res);
      res.status(503).json({ success: false, error: { code: 'SHUTTING_DOWN', message: 'The server is shutting down' } });
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers a keep-alive GET with Connection: close and closes the connection', async () => {
    const socket = await connectRaw(port);
    const answer = readUntilClosed(socket);
    // Keep-alive by default in HTTP/1.1; the server, not the client, must end it.
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const response = parseResponse(await answer);
    expect(response.status).toBe(503);
    expect(response.headers.connection).toBe('close');
  });

  it('answers a POST with an empty body with Connection: close', async () => {
    const socket = await connectRaw(port);
    const answer = readUntilClosed(socket);
    socket.write('POST /process-image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
    expect(parseResponse(await answer).headers.connection).toBe('close');
  });

  it('keeps reading an upload still arriving, so the client that finishes sending it gets the answer', async () => {
    const socket = await connectRaw(port);
    socket.on('error', () => undefined);
    const answer = readOneResponse(socket);
    socket.write('POST /process-image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 200000\r\n\r\n');
    socket.write(Buffer.alloc(50_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Still open: the rest of the body is accepted after the answer.
    expect(socket.destroyed).toBe(false);
    socket.write(Buffer.alloc(150_000));
    const response = parseResponse(await answer);
    expect(response.status).toBe(503);
    expect(response.headers.connection).not.toBe('close');
    // The whole body was taken: the connection is still usable.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
