/**
 * A loopback port nothing listens on (bound, then released): for a client that must find no
 * server, or a server that must start on a port other than one already in use.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

/**
 * The first port of the range the system hands out for port 0 and for outgoing connections
 * (Linux: 32768 unless configured), or undefined where it cannot be read.
 */
function ephemeralStart(): number | undefined {
  try {
    const start = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Binds `port` on 127.0.0.1 and releases it: resolves with the port bound. */
function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

const LOWEST = 10_000;

/**
 * A free loopback port. It is drawn below the ephemeral range where there is room: a port the
 * system handed out for port 0 is soon handed out again, to another test's server or to any
 * outgoing connection, and could be taken before the caller binds it.
 */
export async function freePort(): Promise<number> {
  const start = ephemeralStart();
  if (start !== undefined && start - LOWEST > 1_000) {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const port = await bindAndRelease(randomInt(LOWEST, start)).catch(() => undefined);
      if (port !== undefined) return port;
    }
  }
  return bindAndRelease(0);
}
