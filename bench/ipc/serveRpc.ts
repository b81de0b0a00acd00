/**
 * The child side of the benchmark IPC: answers the orchestrator's calls with `handlers`,
 * and exits when the parent asks it to stop or goes away.
 */
import type { ChildMessage, RpcCall } from './rpcMessages';

export type RpcHandlers = Record<string, (args: never) => unknown>;

/**
 * Announces `info` as ready and serves calls. `stop` is called once, on the `stop` method
 * or when the IPC channel closes; the process exits after it.
 */
export function serveRpc(info: unknown, handlers: RpcHandlers, stop: () => Promise<void>): void {
  const send = (message: ChildMessage) => {
    if (process.connected) process.send?.(message);
  };
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= stop()
      .catch((err: unknown) => console.error('stop failed:', err))
      .finally(() => process.exit(0));
    return stopping;
  };

  process.on('message', (raw) => {
    const call = raw as RpcCall;
    if (call?.kind !== 'call') return;
    if (call.method === 'stop') {
      send({ kind: 'reply', id: call.id, ok: true, result: null });
      void shutdown();
      return;
    }
    const handler = handlers[call.method];
    if (!handler) {
      send({ kind: 'reply', id: call.id, ok: false, error: `unknown method ${call.method}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(call.args as never))
      .then(
        (result) => send({ kind: 'reply', id: call.id, ok: true, result: result ?? null }),
        (err: unknown) => send({ kind: 'reply', id: call.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  // The orchestrator died or closed the channel: do not linger as an orphan.
  process.on('disconnect', () => void shutdown());
  send({ kind: 'ready', info });
}

/** Reports a start-up failure to the parent and exits non-zero. */
export function reportStartFailure(err: unknown): void {
  const error = err instanceof Error ? err.stack ?? err.message : String(err);
  if (process.connected) process.send?.({ kind: 'start_failed', error } satisfies ChildMessage, () => process.exit(1));
  else {
    console.error(error);
    process.exit(1);
  }
}
