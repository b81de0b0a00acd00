import type { Server } from 'node:net';
import { StartupError } from '../errors/StartupError';

/** A port could not be bound because another process holds it. */
export class PortInUseError extends StartupError {
  readonly code = 'EADDRINUSE';
  constructor(port: number, variable: string) {
    super(`Port ${port} is already in use. Stop the other process or set ${variable} to a free port.`, variable);
    this.name = 'PortInUseError';
  }
}

/**
 * Listens on `port` (0 = any free port) and resolves with the bound port. A failure an
 * operator can fix (port taken or privileged, HOST not an address of this machine) rejects
 * with a StartupError naming the variable to change.
 * @param variable the environment variable that sets this port, named in the error.
 */
export function listen(server: Server, port: number, host: string | undefined, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(describeListenError(err, port, host, variable));
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

function describeListenError(err: NodeJS.ErrnoException, port: number, host: string | undefined, variable: string): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new PortInUseError(port, variable);
    case 'EACCES':
      return new StartupError(
        `Not allowed to listen on port ${port}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}. Set ${variable} to another port${port < 1024 ? ' above 1023' : ''}.`,
        variable,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(`Cannot listen on HOST=${host}: it is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.`, 'HOST', { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new StartupError(`Cannot listen on HOST=${host}: the name does not resolve (${err.code}). Set HOST to an address of this machine, or 0.0.0.0 for all.`, 'HOST', { cause: err });
    default:
      return err;
  }
}
