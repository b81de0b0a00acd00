/**
 * A real engine behind a gate: the two analysis stages wait until the test opens the gate, so a
 * test can hold requests "in flight" for as long as it needs. It implements ImageEngine and
 * delegates every call to the wrapped engine; nothing is mocked.
 */
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { EngineError } from '../../../src/errors/EngineError';

export interface GatedEngine extends ImageEngine {
  /** Lets every waiting and future call through. */
  open(): void;
  /** How many analysis calls have reached the gate (two per request). */
  readonly entered: number;
  /** How many of those saw their request's AbortSignal fire. */
  readonly abortsSeen: number;
  /** Resolves once `entered` reaches `count`. */
  waitForEntered(count: number): Promise<void>;
  /** Resolves once `abortsSeen` reaches `count`. */
  waitForAborts(count: number): Promise<void>;
}

/**
 * @param options.honourAbort false: keep waiting at the gate even after the request is aborted
 *   (an engine that cannot be cancelled), so a test can see the slot is held until it settles.
 */
export function createGatedEngine(inner: ImageEngine, options: { honourAbort?: boolean } = {}): GatedEngine {
  const honourAbort = options.honourAbort ?? true;
  let isOpen = false;
  let entered = 0;
  let abortsSeen = 0;
  const gateWaiters = new Set<() => void>();
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of [...watchers]) watcher();
  };
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      if (condition()) return resolve();
      const watcher = () => {
        if (!condition()) return;
        watchers.delete(watcher);
        resolve();
      };
      watchers.add(watcher);
    });

  const gate = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      entered += 1;
      notify();
      const onAbort = () => {
        abortsSeen += 1;
        notify();
        if (honourAbort) {
          gateWaiters.delete(pass);
          reject(new EngineError('The request was aborted', { retryable: false }));
        }
      };
      const pass = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (isOpen) return pass();
      signal?.addEventListener('abort', onAbort, { once: true });
      gateWaiters.add(pass);
    });

  return {
    name: inner.name,
    async recommendSettings(photo, stage) {
      await gate(stage?.signal);
      return inner.recommendSettings(photo, stage);
    },
    async analyzePhoto(photo, count, stage) {
      await gate(stage?.signal);
      return inner.analyzePhoto(photo, count, stage);
    },
    generateImage: (photo, suggestion, stage) => inner.generateImage(photo, suggestion, stage),
    close: () => inner.close(),
    open() {
      isOpen = true;
      for (const pass of [...gateWaiters]) pass();
      gateWaiters.clear();
    },
    get entered() {
      return entered;
    },
    get abortsSeen() {
      return abortsSeen;
    },
    waitForEntered: (count) => until(() => entered >= count),
    waitForAborts: (count) => until(() => abortsSeen >= count),
  };
}
