/**
 * What is still alive in this process that was made while a test ran: for tests that a close()
 * released everything its component made.
 *
 * Counting the kinds `process.getActiveResourcesInfo()` lists before and after is not enough: a
 * timer the runner or an earlier test held at the first count and that fired since hides a new
 * one of the same kind. So each resource made during the watch is followed by identity
 * (async_hooks): the runner's own, made before, are never seen, and what is left is named with
 * the code that made it.
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

export interface ResourceWatch {
  /**
   * What was made since the watch began and is alive now in a way that keeps the process running
   * (what `getActiveResourcesInfo()` lists: handles such as sockets, servers and child processes,
   * and timers and immediates that are ref'd): one line each, its kind and where it was made.
   */
  alive(): string[];
  /** Stops following resources (idempotent). */
  stop(): void;
}

/** A handle or timer: what can keep the event loop alive. */
interface Holder {
  hasRef(): boolean;
  _destroyed?: boolean;
}

const holdsTheLoop = (resource: unknown): resource is Holder => typeof (resource as Holder | null)?.hasRef === 'function';

/** Frames of the watch itself and of Node's own modules say nothing about who made a resource. */
const framesOf = (stack: string | undefined) =>
  (stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !/\bnode:|<anonymous>/.test(line) && !line.includes(__filename));

/** Jest's own code (its reporter's status line, say), not the code under test, made it. */
const RUNNER = /[\\/]node_modules[\\/](@jest[\\/]|jest-)/;

/** Starts following the resources made from now on (promises aside: they hold nothing). */
export function watchResources(): ResourceWatch {
  const made = new Map<number, { kind: string; resource: Holder; where: string }>();
  const hook: AsyncHook = createHook({
    init(asyncId, kind, _trigger, resource) {
      if (kind === 'PROMISE' || !holdsTheLoop(resource)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack;
      Error.stackTraceLimit = limit;
      const frames = framesOf(stack);
      if (RUNNER.test(frames[0] ?? '')) return;
      made.set(asyncId, { kind, resource, where: frames.slice(0, 4).join(' < ') });
    },
    destroy(asyncId) {
      made.delete(asyncId);
    },
  });
  hook.enable();
  return {
    alive() {
      return [...made.values()]
        .filter(({ resource }) => resource.hasRef() && resource._destroyed !== true)
        .map(({ kind, where }) => `${kind} made ${where || 'by Node itself (an accepted connection, say)'}`);
    },
    stop() {
      hook.disable();
    },
  };
}

/**
 * One full turn of the event loop: past the close callbacks of handles closed just now (a
 * destroyed socket is released there), to the next check phase. Nothing measured in time.
 */
export async function oneLoopTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
