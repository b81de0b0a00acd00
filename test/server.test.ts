/**
 * The entry point's DEBUG handling (SPEC §6): `DEBUG=websocket:*` turns on the WebSocket
 * server's debug logging even when LOG_LEVEL keeps every other debug line quiet.
 */
import { createWsClient } from './support/createWsClient';
import { spawnServer, type ServerProcess } from './hardening/support/spawnServer';
import { waitFor } from './store/support/storeTarget';

jest.setTimeout(60_000);

/** Runs the real process with `env`, connects and disconnects one client, stops it; returns its logs. */
async function logsOfOneClient(env: Record<string, string>): Promise<ReturnType<ServerProcess['logs']>> {
  const server = await spawnServer({ LOG_LEVEL: 'info', ...env });
  try {
    const client = await createWsClient(server.wsUrl);
    await client.close();
    // The server sees the close a moment after the client does; a stop before that closes the
    // client itself, with no "client disconnected" line.
    await waitFor(async () => ((await (await fetch(`${server.httpUrl}/ws-health`)).json()) as { connections: number }).connections === 0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    return server.logs();
  } finally {
    await server.cleanup();
  }
}

describe('src/server.ts with DEBUG', () => {
  it('logs WebSocket clients connecting and leaving at debug level with DEBUG=websocket:*, and not without it', async () => {
    const withDebug = await logsOfOneClient({ DEBUG: 'websocket:*' });
    const debugLines = withDebug.filter((l) => l.level === 20).map((l) => l.msg);
    expect(debugLines).toEqual(expect.arrayContaining(['client connected', 'client disconnected']));
    // Only the WebSocket server's debug lines: the rest stays at LOG_LEVEL.
    expect(withDebug.filter((l) => l.level === 20).every((l) => l.name === 'websocket')).toBe(true);

    const without = await logsOfOneClient({});
    expect(without.filter((l) => l.level !== undefined && l.level < 30)).toEqual([]);
  });
});
