import { createEventBus } from '../../src/events/createEventBus';
import { createInProcessTransport } from '../../src/events/createInProcessTransport';
import { createRecordingBus } from '../../src/events/createRecordingBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createLogger } from '../../src/logging/createLogger';

const logger = createLogger({ level: 'silent' });
const started = (requestId: string): PipelineEvent => ({ type: 'analysis_started', requestId, message: 'go', timestamp: new Date().toISOString() });

describe('createRecordingBus', () => {
  it('records what is published through it, not what another instance publishes on the shared transport', async () => {
    const shared = createInProcessTransport();
    const here = createEventBus({ logger, transport: shared });
    const elsewhere = createEventBus({ logger, transport: shared });
    const recorded: string[] = [];
    const delivered: string[] = [];
    const bus = createRecordingBus(here, (event) => recorded.push(event.requestId));
    bus.subscribe((event) => delivered.push(event.requestId));

    bus.publish(started('req_1758260128188_aaaaaaaaa'));
    elsewhere.publish(started('req_1758260128188_bbbbbbbbb'));

    expect(delivered).toEqual(['req_1758260128188_aaaaaaaaa', 'req_1758260128188_bbbbbbbbb']);
    expect(recorded).toEqual(['req_1758260128188_aaaaaaaaa']);
    await bus.close();
  });

  it('does not record an event the bus refuses', async () => {
    const recorded: PipelineEvent[] = [];
    const bus = createRecordingBus(createEventBus({ logger, validate: true }), (event) => recorded.push(event));
    expect(() => bus.publish({ ...started('req_1758260128188_aaaaaaaaa'), requestId: 'nope' })).toThrow(/Invalid analysis_started/);
    expect(recorded).toEqual([]);
    await bus.close();
  });

  it("numbers each request's events from 1 before they go out, so subscribers and the record see the same seq; a terminal event ends the count, a refused event takes none", async () => {
    const delivered: Array<[string, number | undefined]> = [];
    const recorded: Array<[string, number | undefined]> = [];
    const bus = createRecordingBus(createEventBus({ logger, validate: true }), (event) => recorded.push([event.type, event.seq]));
    bus.subscribe((event) => delivered.push([event.type, event.seq]));
    const a = 'req_1758260128188_aaaaaaaaa';
    const b = 'req_1758260128188_bbbbbbbbb';
    bus.publish(started(a));
    bus.publish(started(b));
    expect(() => bus.publish({ ...started(a), timestamp: 'not a time' })).toThrow(/Invalid analysis_started/);
    bus.publish(started(a));
    bus.publish({ type: 'processing_error', requestId: a, message: 'failed', error: 'x', stage: 'validation', totalTime: '1.00', timestamp: new Date().toISOString() });
    // After its terminal event a request id starts again (only a foreign publisher reuses one).
    bus.publish(started(a));

    const expected: Array<[string, number]> = [
      ['analysis_started', 1],
      ['analysis_started', 1],
      ['analysis_started', 2],
      ['processing_error', 3],
      ['analysis_started', 1],
    ];
    expect(delivered).toEqual(expected);
    expect(recorded).toEqual(expected);
    await bus.close();
  });
});
