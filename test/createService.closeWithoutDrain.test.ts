/**
 * Service#close({ drain: false }), the stop after a crash: in-flight requests are stopped at once
 * (503 SHUTTING_DOWN, processing_error) instead of awaited, also when a draining close is already
 * waiting for them; the rest of the stop is the same.
 */
import { createLocalEngine } from '../src/engine/local/createLocalEngine';
import { createGatedEngine } from './hardening/support/gatedEngine';
import { upload } from './hardening/support/uploads';
import { createWsClient } from './support/createWsClient';
import { realPhotoJpeg } from './support/images';
import { startTestService, type TestService } from './support/startTestService';

jest.setTimeout(30_000);

describe('createService: close without draining', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it.each([
    ['on its own', false],
    ['while a draining close waits for the request', true],
  ])('stops an in-flight request with 503 SHUTTING_DOWN %s', async (_, drainFirst) => {
    const engine = createGatedEngine(createLocalEngine());
    // A drain would wait ten minutes for the held request: far longer than this test may take.
    const svc = (service = await startTestService({ SHUTDOWN_TIMEOUT_MS: '600000', IMAGE_COUNT: '1' }, { engine }));
    const watcher = await createWsClient(svc.wsUrl);
    const answer = upload(svc.httpUrl, await realPhotoJpeg());
    await engine.waitForEntered(2);

    const draining = drainFirst ? svc.close() : undefined;
    const stopping = svc.close({ drain: false });
    const { status, body } = await answer;
    expect(status).toBe(503);
    expect(body.error?.code).toBe('SHUTTING_DOWN');
    expect(watcher.messages).toContainEqual(expect.objectContaining({ type: 'processing_error', code: 'SHUTTING_DOWN', requestId: body.requestId }));
    expect(await watcher.closed).toMatchObject({ code: 1001 });
    await Promise.all([draining, stopping]);
    engine.open();
  });
});
