/**
 * The orchestrator side of the benchmark IPC: forks one benchmark process (server, load
 * generator, fake Gemini), waits for it to be ready, and calls its handlers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { ChildMessage, RpcCall } from './rpcMessages';

export interface Worker<Info> {
  /** What the child announced when it became ready (ports, URLs). */
  readonly info: Info;
  readonly pid: number;
  /** Calls `method` in the child; rejects with the child's error or after `timeoutMs`. */
  call<T>(method: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to stop, then kills it if it has not exited within 10 s. Idempotent. */
  stop(): Promise<void>;
}

export interface ForkOptions {
  /** Built `.js` module to run. */
  modulePath: string;
  env?: Record<string, string>;
  /** Node flags, e.g. `--expose-gc`. */
  execArgv?: string[];
  /** The child's stdout and stderr are appended here (kept out of the benchmark's table). */
  logFile: string;
  /** How long the child may take to become ready. */
  startTimeoutMs?: number;
}

/** Forks the child and resolves once it sent `ready`. */
export async function forkWorker<Info>(options: ForkOptions): Promise<Worker<Info>> {
  const log = fs.openSync(options.logFile, 'a');
  const child: ChildProcess = fork(options.modulePath, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', log, log, 'ipc'],
    serialization: 'advanced',
  });
  fs.closeSync(log);

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failAll = (why: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
      pending.delete(id);
    }
  };
  child.once('exit', (code, signal) => failAll(`${options.modulePath} exited (code ${code}, signal ${signal}); see ${options.logFile}`));

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.modulePath} did not start within ${options.startTimeoutMs ?? 60_000} ms; see ${options.logFile}`));
    }, options.startTimeoutMs ?? 60_000);
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.kind === 'ready') {
        clearTimeout(timer);
        resolve(message.info as Info);
      } else if (message.kind === 'start_failed') {
        clearTimeout(timer);
        reject(new Error(`${options.modulePath} failed to start: ${message.error}`));
      } else if (message.kind === 'reply') {
        const p = pending.get(message.id);
        if (!p) return;
        pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.ok) p.resolve(message.result);
        else p.reject(new Error(`${options.modulePath}: ${message.error}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.modulePath} exited with code ${code} before it was ready; see ${options.logFile}`));
    });
  });

  let stopping: Promise<void> | undefined;
  return {
    info,
    pid: child.pid ?? -1,
    call<T>(method: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
      if (!child.connected) return Promise.reject(new Error(`${options.modulePath} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.modulePath}: ${method} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ kind: 'call', id, method, args } satisfies RpcCall);
      });
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (child.connected) child.send({ kind: 'call', id: nextId++, method: 'stop', args: null } satisfies RpcCall);
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}
