import { debugEnables } from '../../src/config/debugEnables';

describe('debugEnables', () => {
  it.each([
    ['websocket:*', true],
    ['*', true],
    ['websocket:server', true],
    ['express:*, websocket:*', true],
    ['express:*   websocket:*', true],
    ['websocket', false],
    ['express:*', false],
    ['*,-websocket:*', false],
    ['-websocket:*,websocket:*', false],
    ['', false],
  ])('DEBUG=%p turns websocket:server on: %p', (value, expected) => {
    expect(debugEnables(value, 'websocket:server')).toBe(expected);
  });

  it('takes regular-expression characters in a name literally', () => {
    expect(debugEnables('websocket.server', 'websocket:server')).toBe(false);
  });
});
