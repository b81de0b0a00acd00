/**
 * withAbort listens to the signal only while its work runs: work that settles leaves no
 * listener behind, however many times one request's signal is used.
 */
import { getEventListeners } from 'node:events';
import { withAbort } from '../../../src/engine/local/abortable';
import { EngineError } from '../../../src/errors/EngineError';

describe('withAbort', () => {
  it('removes its abort listener from the signal when the work succeeds', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i += 1) await expect(withAbort(Promise.resolve(i), controller.signal)).resolves.toBe(i);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes its abort listener from the signal when the work fails', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i += 1) await expect(withAbort(Promise.reject(new Error(`no ${i}`)), controller.signal)).rejects.toThrow(`no ${i}`);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with an EngineError as soon as the signal aborts, without waiting for the work', async () => {
    const controller = new AbortController();
    const pending = withAbort(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toBeInstanceOf(EngineError);
  });
});
