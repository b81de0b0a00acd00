import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createReplayMemory } from '../../src/ws/createReplayMemory';

const idOf = (n: number) => `req_1758260128188_${String(n).padStart(9, '0')}`;
const step = (n: number, seq: number, message = 'step'): PipelineEvent => ({ type: 'analysis_started', requestId: idOf(n), message, timestamp: new Date(0).toISOString(), seq });

describe('createReplayMemory', () => {
  it('keeps each event as sent, by request and seq, and never an image, only its number', () => {
    const memory = createReplayMemory();
    const first = step(1, 1);
    memory.remember(first);
    memory.remember({ ...step(1, 2), type: 'individual_image_completed', imageIndex: 1, totalImages: 1, title: 't', imageData: 'A'.repeat(1000), mimeType: 'image/jpeg', durationMs: 1 });
    expect(memory.get(idOf(1), 1)?.toString()).toBe(JSON.stringify(first));
    expect(memory.get(idOf(1), 2)).toBeUndefined();
    expect(memory.lastSeq(idOf(1))).toBe(2);
    // Without a seq (an older publisher) there is nothing to resume by.
    memory.remember({ ...step(2, 1), seq: undefined });
    expect(memory.lastSeq(idOf(2))).toBeUndefined();
  });

  it('forgets the requests heard from least recently once past its count or its bytes, and keeps no event past its size', () => {
    const byCount = createReplayMemory({ maxEvents: 7 });
    for (const n of [1, 2, 3]) byCount.remember(step(n, 1));
    byCount.remember(step(1, 2));
    // Each request counts one, each event one: 1 (two events), 3 and 4 fit; 2, heard from least recently, is forgotten.
    byCount.remember(step(4, 1));
    expect([1, 2, 3, 4].map((n) => byCount.lastSeq(idOf(n)))).toEqual([2, undefined, 1, 1]);

    const size = JSON.stringify(step(1, 1, 'x'.repeat(1000))).length;
    const byBytes = createReplayMemory({ maxBytes: size * 2 + 10, maxEventBytes: size });
    for (const n of [1, 2, 3]) byBytes.remember(step(n, 1, 'x'.repeat(1000)));
    expect([1, 2, 3].map((n) => byBytes.get(idOf(n), 1) !== undefined)).toEqual([false, true, true]);
    byBytes.remember(step(4, 1, 'x'.repeat(1001)));
    expect(byBytes.get(idOf(4), 1)).toBeUndefined();
    expect(byBytes.lastSeq(idOf(4))).toBe(1);
  });
});
