/**
 * Raw TCP conversations with the servers, for input no well-behaved client would send:
 * half bodies, hand-made multipart, thousands of headers, garbage WebSocket frames.
 */
import net from 'node:net';

export interface RawResponse {
  /** The HTTP status, or undefined when the server closed without answering. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, byte for byte. */
  raw: Buffer;
}

/** Connects to 127.0.0.1:`port`; resolves once connected. */
export function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects what the server sends until it closes the connection. */
export function readUntilClosed(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Collects what the server sends until one whole response with a Content-Length has arrived,
 * for answers given while the connection stays open (the server still reading the body).
 */
export function readOneResponse(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('close', () => reject(new Error(`the connection closed after ${received.length} bytes, before a whole response`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.subarray(0, headEnd).toString('latin1'));
      if (length && received.length >= headEnd + 4 + Number(length[1])) resolve(received);
    });
  });
}

/** Splits an HTTP/1.1 response into status, headers and body (the body is not de-chunked). */
export function parseResponse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { headers: {}, body: text, raw };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4), raw };
}

/**
 * Sends `bytes` on a fresh connection and resolves with the server's whole answer. Each request
 * says `Connection: close`, so the server closes once it has answered.
 */
export async function rawExchange(port: number, bytes: Buffer | string): Promise<RawResponse> {
  const socket = await connectRaw(port);
  const answer = readUntilClosed(socket);
  socket.write(bytes);
  return parseResponse(await answer);
}

/** The JSON body of a response sent with Content-Length (what the app's error middleware sends). */
export function jsonBody(response: RawResponse): { success?: boolean; error?: { code: string; message: string } } {
  return JSON.parse(response.body) as { success?: boolean; error?: { code: string; message: string } };
}

export interface Part {
  /** The raw Content-Disposition value, e.g. `form-data; name="image"; filename="a.jpg"`. */
  disposition?: string;
  contentType?: string;
  /** Extra header lines, written as given. */
  extraHeaders?: string[];
  body: Buffer | string;
}

/** Builds a multipart body by hand, so tests can get every byte of it wrong on purpose. */
export function multipartBody(parts: Part[], boundary: string, options: { close?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head = [`--${boundary}`];
    if (part.disposition !== undefined) head.push(`Content-Disposition: ${part.disposition}`);
    if (part.contentType) head.push(`Content-Type: ${part.contentType}`);
    head.push(...(part.extraHeaders ?? []));
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  if (options.close ?? true) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The head of a POST /process-image request announcing `length` body bytes, `Connection: close`. */
export function postHead(length: number, contentType: string, extraHeaders: string[] = []): string {
  const head = [
    'POST /process-image HTTP/1.1',
    'Host: 127.0.0.1',
    `Content-Type: ${contentType}`,
    `Content-Length: ${length}`,
    'Connection: close',
    ...extraHeaders,
  ];
  return `${head.join('\r\n')}\r\n\r\n`;
}

/** A complete POST /process-image request: head plus body, `Connection: close`. */
export function postRequest(body: Buffer, contentType: string, extraHeaders: string[] = []): Buffer {
  return Buffer.concat([Buffer.from(postHead(body.length, contentType, extraHeaders)), body]);
}

/** The request line and headers of a raw `POST /process-image` carrying a multipart body. */
export function processImageHead(contentLength: number, boundary: string): Buffer {
  return Buffer.from(
    [
      'POST /process-image HTTP/1.1',
      'Host: 127.0.0.1',
      `Content-Type: multipart/form-data; boundary=${boundary}`,
      `Content-Length: ${contentLength}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n'),
  );
}
