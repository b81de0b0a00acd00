/**
 * The messages benchmark processes exchange over Node's IPC channel: the child announces it
 * is ready, then answers numbered calls from the orchestrator.
 */

/** Parent → child: run handler `method` with `args`. */
export interface RpcCall {
  kind: 'call';
  id: number;
  method: string;
  args: unknown;
}

/** Child → parent: the answer to call `id`. */
export type RpcReply =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

/** Child → parent, once: the process is up; `info` says where (ports, URLs). */
export interface RpcReady {
  kind: 'ready';
  info: unknown;
}

/** Child → parent, once: the process could not start. */
export interface RpcStartFailed {
  kind: 'start_failed';
  error: string;
}

export type ChildMessage = RpcReply | RpcReady | RpcStartFailed;
