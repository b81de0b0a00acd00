import { createSemaphore } from '../../src/util/createSemaphore';

/** A task that finishes when told to, recording when it started. */
function gatedTask(started: string[], name: string) {
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  return { task: () => (started.push(name), gate.then(() => name)), finish: () => finish() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createSemaphore', () => {
  it('runs at most `limit` tasks at once and starts the rest in arrival order', async () => {
    const semaphore = createSemaphore(2);
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => gatedTask(started, name));
    const results = tasks.map((t) => semaphore.run(t.task));
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(semaphore.stats()).toEqual({ running: 2, waiting: 2, limit: 2 });

    tasks[1].finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    tasks[0].finish();
    tasks[2].finish();
    tasks[3].finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect(semaphore.stats()).toEqual({ running: 0, waiting: 0, limit: 2 });
  });

  it('frees the slot when a task rejects', async () => {
    const semaphore = createSemaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });

  it('drops a waiter whose signal aborts, without running its task', async () => {
    const semaphore = createSemaphore(1);
    const started: string[] = [];
    const first = gatedTask(started, 'first');
    const running = semaphore.run(first.task);
    const controller = new AbortController();
    const dropped = jest.fn(async () => 'dropped');
    const waiting = semaphore.run(dropped, controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(semaphore.stats().waiting).toBe(0);

    first.finish();
    await running;
    expect(dropped).not.toHaveBeenCalled();
    await expect(semaphore.run(async () => 'after')).resolves.toBe('after');
  });

  it('refuses an already aborted signal and a limit below 1', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(createSemaphore(1).run(async () => 'x', controller.signal)).rejects.toThrow('gone');
    expect(() => createSemaphore(0)).toThrow(RangeError);
  });
});
