import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an attachment answer does after its first bytes: go on, wait for `release()`, or lose its connection. */
export type AfterFirstBytes = 'continue' | 'hold' | 'die';

export interface AttachmentProxy {
  url: string;
  /** The attachment reads that reached the proxy, with the Range they asked for. */
  reads: { path: string; range?: string }[];
  /** Attachment answers whose connection closed before they were complete (the reader gave up). */
  abandoned(): number;
  /** What later attachment answers do after their first `firstBytes` bytes. Default `continue`. */
  afterFirstBytes: AfterFirstBytes;
  /** When set, later attachment reads are refused with this status (and CouchDB's error JSON) instead. */
  refuseWith?: number;
  /** Sends the rest of the answers held so far. */
  release(): void;
  close(): Promise<void>;
}

/** `GET /db/doc/attachment`: three path segments (documents are `/db/doc`, views `/db/_design/…`). */
function isAttachmentRead(req: http.IncomingMessage): boolean {
  const segments = new URL(req.url ?? '/', 'http://x').pathname.split('/').slice(1);
  return req.method === 'GET' && segments.length === 3 && segments[1] !== '_design';
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/**
 * A proxy in front of a CouchDB-compatible `target` that sees every attachment read and can break
 * one off or refuse it: it sends the first `firstBytes` of the answer, then the rest, nothing more until
 * `release()`, or drops the connection. With `answerRanges`, it answers a Range itself (206 and
 * Content-Range) when the server behind it sent everything, as CouchDB does and the embedded
 * server does not. Other calls pass through untouched.
 */
export async function startAttachmentProxy(target: string, options: { firstBytes: number; answerRanges?: boolean }): Promise<AttachmentProxy> {
  const upstream = new URL(target);
  const reads: AttachmentProxy['reads'] = [];
  let abandoned = 0;
  let held: Array<() => void> = [];

  const answerAttachment = async (req: http.IncomingMessage, res: http.ServerResponse, answer: http.IncomingMessage) => {
    let body = await readAll(answer);
    let status = answer.statusCode ?? 502;
    const headers: http.OutgoingHttpHeaders = { ...answer.headers };
    delete headers['transfer-encoding'];
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (options.answerRanges && status === 200 && range) {
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)];
      headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
      body = body.subarray(start, end + 1);
      status = 206;
    }
    headers['content-length'] = String(body.length);
    res.on('close', () => {
      if (!res.writableFinished) abandoned += 1;
    });
    res.writeHead(status, headers);
    res.write(body.subarray(0, options.firstBytes));
    const rest = () => res.end(body.subarray(options.firstBytes));
    if (proxy.afterFirstBytes === 'die') res.write('', () => res.socket?.destroy());
    else if (proxy.afterFirstBytes === 'hold') held.push(rest);
    else rest();
  };

  const server = http.createServer((req, res) => {
    const attachment = isAttachmentRead(req);
    if (attachment) reads.push({ path: req.url ?? '', range: req.headers.range });
    if (attachment && proxy.refuseWith) {
      res.writeHead(proxy.refuseWith, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'refused', reason: 'by the test' }));
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (attachment) return void answerAttachment(req, res, answer).catch(() => res.destroy());
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const proxy: AttachmentProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    abandoned: () => abandoned,
    afterFirstBytes: 'continue',
    release() {
      const waiting = held;
      held = [];
      for (const rest of waiting) rest();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}
