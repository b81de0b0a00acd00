/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // isolatedModules: type-checking is `npm run lint`'s job; this keeps the suite fast.
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  testTimeout: 30000,
  // Servers, sockets and timers must all be released by each test; fail loudly if not.
  detectOpenHandles: false,
  forceExit: false,
};
