/**
 * The backlog of events waiting for Redis on its own, on a clock the test sets: emit order, and
 * its bounds by bytes and by age, always giving up the oldest first.
 */
import { createPublishBacklog } from '../../src/events/createPublishBacklog';

function backlogOf(maxBytes: number, maxAgeMs = 30_000) {
  const clock = { now: 0 };
  const drops: Array<[number, string]> = [];
  const backlog = createPublishBacklog({ maxBytes, maxAgeMs, now: () => clock.now, onDrop: (count, reason) => drops.push([count, reason]) });
  const drain = () => {
    const out: string[] = [];
    for (let next = backlog.peek(); next; next = backlog.peek()) {
      out.push(next.toString());
      backlog.shift();
    }
    return out;
  };
  return { backlog, clock, drops, drain };
}

describe('createPublishBacklog', () => {
  it('gives messages back in the order they came, and counts them and their bytes', () => {
    const { backlog, drain, drops } = backlogOf(100);
    for (const message of ['a', 'bb', 'ccc']) backlog.push(Buffer.from(message));
    expect([backlog.length, backlog.bytes]).toEqual([3, 6]);
    expect(drain()).toEqual(['a', 'bb', 'ccc']);
    expect([backlog.length, backlog.bytes, drops]).toEqual([0, 0, []]);
  });

  it('drops the oldest to make room past maxBytes, and a message larger than maxBytes itself', () => {
    const { backlog, drain, drops } = backlogOf(10);
    for (const message of ['1111', '2222', '3333']) backlog.push(Buffer.from(message));
    backlog.push(Buffer.from('x'.repeat(11)));
    expect(drops).toEqual([[1, 'full'], [1, 'full']]);
    expect(drain()).toEqual(['2222', '3333']);
  });

  it('drops what is older than maxAgeMs, when a message comes or one is asked for', () => {
    const { backlog, clock, drain, drops } = backlogOf(100, 1_000);
    backlog.push(Buffer.from('first'));
    clock.now = 600;
    backlog.push(Buffer.from('second'));
    clock.now = 1_001;
    backlog.push(Buffer.from('third'));
    expect(drops).toEqual([[1, 'too old']]);
    clock.now = 1_601;
    expect(drain()).toEqual(['third']);
    expect(drops).toEqual([[1, 'too old'], [1, 'too old']]);
  });

  it('keeps order and its byte count through many more messages than it holds at once', () => {
    const { backlog, drain } = backlogOf(3_000);
    for (let i = 0; i < 5_000; i += 1) {
      backlog.push(Buffer.from(String(i).padStart(4, '0')));
      if (i % 3 === 0) backlog.shift();
    }
    expect([backlog.length, backlog.bytes]).toEqual([750, 3_000]);
    const left = drain();
    expect(left).toHaveLength(750);
    expect(left[0]).toBe('4250');
    expect(left[left.length - 1]).toBe('4999');
    expect(backlog.clear()).toBe(0);
  });

  it('clear() empties it and answers how many it held', () => {
    const { backlog } = backlogOf(100);
    backlog.push(Buffer.from('a'));
    backlog.push(Buffer.from('b'));
    expect(backlog.clear()).toBe(2);
    expect([backlog.length, backlog.bytes, backlog.peek()]).toEqual([0, 0, undefined]);
  });
});
