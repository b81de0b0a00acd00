/**
 * Where the service runs its embedded database (EMBEDDED_DB), seen from the outside: which
 * processes it starts, and that the store works either way. Linux: children are read from /proc.
 */
import fs from 'node:fs';
import request from 'supertest';
import { startTestService, type TestService } from './support/startTestService';

/** This process's children whose command line names the embedded database's entry point. */
function embeddedDbChildren(): number[] {
  const list = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
  return list
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('embeddedCouchProcess');
      } catch {
        return false; // exited meanwhile
      }
    });
}

describe('createService: EMBEDDED_DB', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('runs the embedded database in a child process by default, and stops it on close', async () => {
    expect(embeddedDbChildren()).toEqual([]);
    // `embeddedStore: undefined` lets the config decide (the test helper otherwise keeps it in-process).
    service = await startTestService({}, { embeddedStore: undefined });
    const children = embeddedDbChildren();
    expect(children).toHaveLength(1);
    const health = await request(service.httpUrl).get('/db-health');
    expect(health.body).toMatchObject({ status: 'ok', mode: 'embedded' });

    await service.close();
    service = undefined;
    expect(embeddedDbChildren()).toEqual([]);
  });

  it('keeps the embedded database in the service process with EMBEDDED_DB=in-process', async () => {
    service = await startTestService({ EMBEDDED_DB: 'in-process' }, { embeddedStore: undefined });
    expect(service.config.embeddedDb).toBe('in-process');
    expect(embeddedDbChildren()).toEqual([]);
    const health = await request(service.httpUrl).get('/db-health');
    expect(health.body).toMatchObject({ status: 'ok', mode: 'embedded' });
  });
});
