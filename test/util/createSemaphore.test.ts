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

  it('counts weighted holders against the limit: a heavy task waits until enough slots are free', async () => {
    const semaphore = createSemaphore(10);
    const gates = [deferred(), deferred(), deferred()];
    const started: string[] = [];
    const runOf = (name: string, gate: { promise: Promise<void> }, weight: number) =>
      semaphore.run(async () => {
        started.push(name);
        await gate.promise;
      }, undefined, weight);
    const a = runOf('a:6', gates[0], 6);
    const b = runOf('b:4', gates[1], 4);
    const c = runOf('c:5', gates[2], 5);
    await Promise.resolve();
    expect(started).toEqual(['a:6', 'b:4']);
    gates[1].resolve();
    await b;
    await Promise.resolve();
    // 4 free slots are not enough for 5.
    expect(started).toEqual(['a:6', 'b:4']);
    gates[0].resolve();
    await a;
    await Promise.resolve();
    expect(started).toEqual(['a:6', 'b:4', 'c:5']);
    gates[2].resolve();
    await c;
    expect([semaphore.active, semaphore.waiting]).toEqual([0, 0]);
  });

  it('runs a task heavier than the whole limit, alone', async () => {
    const semaphore = createSemaphore(4);
    const gate = deferred();
    const order: string[] = [];
    const heavy = semaphore.run(async () => {
      order.push('heavy');
      await gate.promise;
    }, undefined, 100);
    const light = semaphore.run(async () => {
      order.push('light');
    });
    await Promise.resolve();
    expect(order).toEqual(['heavy']);
    gate.resolve();
    await Promise.all([heavy, light]);
    expect(order).toEqual(['heavy', 'light']);
  });

  it('keeps FIFO order: a light waiter does not overtake a heavy one, until the heavy one gives up', async () => {
    const semaphore = createSemaphore(4);
    const gate = deferred();
    const holder = semaphore.run(() => gate.promise, undefined, 2);
    const controller = new AbortController();
    const heavy = semaphore.run(async () => 'heavy', controller.signal, 4);
    let lightRan = false;
    const light = semaphore.run(async () => {
      lightRan = true;
    });
    await Promise.resolve();
    // Two slots are free, but the heavy waiter is first in line.
    expect(lightRan).toBe(false);
    controller.abort(new Error('gone'));
    await expect(heavy).rejects.toThrow('gone');
    await light;
    expect(lightRan).toBe(true);
    gate.resolve();
    await holder;
  });
});
