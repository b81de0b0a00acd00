import { createSemaphore } from '../../src/util/createSemaphore';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createSemaphore', () => {
  it('lets `limit` tasks run and queues the rest in FIFO order', async () => {
    const semaphore = createSemaphore(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      semaphore.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([semaphore.active, semaphore.waiting]).toEqual([2, 2]);

    gates[1].resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);

    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([semaphore.active, semaphore.waiting]).toEqual([0, 0]);
  });

  it('releases the slot when a task throws', async () => {
    const semaphore = createSemaphore(1);
    await expect(semaphore.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await semaphore.run(async () => 'next')).toBe('next');
    expect(semaphore.active).toBe(0);
  });

  it('drops a waiter whose signal aborts, without running its task', async () => {
    const semaphore = createSemaphore(1);
    const gate = deferred();
    const holder = semaphore.run(() => gate.promise);
    const controller = new AbortController();
    const task = jest.fn(async () => 'ran');
    const waiting = semaphore.run(task, controller.signal);
    controller.abort(new Error('gone'));

    await expect(waiting).rejects.toThrow('gone');
    expect(semaphore.waiting).toBe(0);
    gate.resolve();
    await holder;
    expect(task).not.toHaveBeenCalled();
    expect(semaphore.active).toBe(0);
  });

  it('refuses at once a caller whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const task = jest.fn(async () => 'ran');
    await expect(createSemaphore(1).run(task, controller.signal)).rejects.toThrow('gone');
    expect(task).not.toHaveBeenCalled();
  });
});
