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
});
