/**
 * A client's address the way Express's `req.ip` finds it, for servers without Express (the
 * WebSocket server): the peer's address, or, when the peer is a trusted proxy (TRUST_PROXY),
 * the nearest address in `X-Forwarded-For` it did not vouch for.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { DEFAULT_TRUST_PROXY, type TrustProxy } from '../config/trustProxySetting';

/** Returns a function giving a request's client address under `trust` (default loopback). */
export function createClientAddress(trust: TrustProxy = DEFAULT_TRUST_PROXY): (req: IncomingMessage) => string | undefined {
  // A hop count trusts that many proxies nearest the service, as Express compiles it.
  const trusted = typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : proxyaddr.compile(trust);
  // proxy-addr needs the peer's address; a socket already gone has none.
  return (req) => (req.socket.remoteAddress === undefined ? undefined : proxyaddr(req, trusted));
}
