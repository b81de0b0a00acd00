/**
 * Which CouchDB answers a write may outlive: the queue retries a retryable CouchError (a limited
 * number of times) and drops the rest at once.
 */
import { CouchError, isCouchStatus } from '../../src/store/CouchClient';

describe('CouchError.retryable', () => {
  it.each([
    [401, 'an operator can fix the credentials'],
    [403, 'an operator can grant the rights'],
    [404, 'a deleted database is recreated before the next attempt'],
    [408, 'the server timed out'],
    [409, 'a conflict that outlived the write\'s own retries may not recur'],
    [429, 'throttled'],
    [500, 'server error'],
    [502, 'gateway'],
    [503, 'gateway'],
    [504, 'gateway'],
  ])('is true for %i (%s)', (status) => {
    expect(new CouchError('failed', { status }).retryable).toBe(true);
  });

  it('is true when there was no answer at all', () => {
    expect(new CouchError('connection refused').retryable).toBe(true);
  });

  it.each([400, 405, 412, 413, 415])('is false for %i: the same write would be refused again', (status) => {
    expect(new CouchError('refused', { status }).retryable).toBe(false);
  });
});

describe('isCouchStatus', () => {
  it('matches only a CouchError with that status', () => {
    expect(isCouchStatus(new CouchError('conflict', { status: 409 }), 409)).toBe(true);
    expect(isCouchStatus(new CouchError('conflict', { status: 409 }), 404)).toBe(false);
    expect(isCouchStatus(Object.assign(new Error('x'), { status: 409 }), 409)).toBe(false);
  });
});
