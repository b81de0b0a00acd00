import type { Server } from 'node:net';

/** A port could not be bound; the message is the one line an operator needs. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(port: number, variable: string) {
    super(`Port ${port} is already in use. Stop the other process or set ${variable} to a free port.`);
    this.name = 'PortInUseError';
  }
}

/**
 * Listens on `port` (0 = any free port) and resolves with the bound port.
 * @param variable the environment variable that sets this port, named in the error.
 */
export function listen(server: Server, port: number, host: string | undefined, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, variable) : err);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
