import { createEventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import type { Logger } from '../../src/logging/Logger';
import { createLogger } from '../../src/logging/createLogger';

const event: PipelineEvent = {
  type: 'analysis_started',
  requestId: 'req_1758260128188_zfubq1yiv',
  message: 'go',
  timestamp: new Date().toISOString(),
};

describe('createEventBus', () => {
  it('delivers to every subscriber in order and stops after unsubscribe', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }) });
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(`a:${e.type}`));
    bus.subscribe((e) => seen.push(`b:${e.type}`));
    bus.publish(event);
    off();
    bus.publish(event);
    expect(seen).toEqual(['a:analysis_started', 'b:analysis_started', 'b:analysis_started']);
    await bus.close();
  });

  it('keeps delivering to the others when one subscriber throws, and logs the error', async () => {
    const errors: unknown[] = [];
    const logger = { ...createLogger({ level: 'silent' }), error: (obj: unknown) => errors.push(obj) } as unknown as Logger;
    const bus = createEventBus({ logger });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('listener bug');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.publish(event);
    expect(seen).toEqual(['analysis_started']);
    expect(errors).toHaveLength(1);
    await bus.close();
  });

  it('logs a subscriber whose promise rejects, with the request id, and keeps delivering', async () => {
    const errors: Array<Record<string, unknown>> = [];
    const logger = { ...createLogger({ level: 'silent' }), error: (obj: Record<string, unknown>) => errors.push(obj) } as unknown as Logger;
    const bus = createEventBus({ logger });
    const seen: string[] = [];
    bus.subscribe(async () => {
      throw new Error('async listener bug');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.publish(event);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['analysis_started']);
    expect(errors).toEqual([expect.objectContaining({ requestId: event.requestId, eventType: 'analysis_started' })]);
    await bus.close();
  });

  it('refuses an event that does not match its schema when validating', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }), validate: true });
    expect(() => bus.publish({ ...event, requestId: 'nope' })).toThrow(/Invalid analysis_started event/);
    expect(() => bus.publish({ ...event, type: 'processing_completed' } as unknown as PipelineEvent)).toThrow(/Invalid processing_completed/);
    await bus.close();
  });

  it('delivers nothing after close', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }) });
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.type));
    await bus.close();
    await bus.close();
    bus.publish(event);
    expect(seen).toEqual([]);
  });

  it('reports its in-process transport as always ok (there is nothing to reach)', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }) });
    expect(bus.health()).toEqual({ transport: 'in-process', status: 'ok' });
    await bus.close();
  });
});
