import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardingProxy {
  /** The proxy's base URL (with `credentials` when given). */
  url: string;
  close(): Promise<void>;
}

/**
 * A proxy in front of a CouchDB-compatible `target` that can answer for it: `intercept` answers
 * a request itself and returns true, returns false to have it forwarded, or returns a promise to
 * have it forwarded once that settles (a request held back).
 */
export async function startForwardingProxy(
  target: string,
  intercept: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<void>,
  credentials?: string,
): Promise<ForwardingProxy> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const decision = intercept(req, res);
    if (decision === true) {
      req.resume();
      return;
    }
    if (decision === false) forwardNow(req, res);
    else void decision.finally(() => forwardNow(req, res));
  });
  const forwardNow = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
