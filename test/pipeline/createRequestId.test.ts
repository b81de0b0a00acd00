import { REQUEST_ID_PATTERN } from '../../src/events/eventSchemas';
import { createRequestId } from '../../src/pipeline/createRequestId';
import { formatMs } from '../../src/pipeline/formatMs';

describe('createRequestId', () => {
  it('has the seed format req_<epoch ms>_<9 base-36 chars> and does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => createRequestId(1758260128188)));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 50)) expect(id).toMatch(REQUEST_ID_PATTERN);
    expect([...ids][0].startsWith('req_1758260128188_')).toBe(true);
  });
});

describe('formatMs', () => {
  it('writes milliseconds with two decimals as the seed does', () => {
    expect(formatMs(4523.449)).toBe('4523.45');
    expect(formatMs(0)).toBe('0.00');
    expect(formatMs(-3)).toBe('0.00');
  });
});
