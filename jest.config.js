/** @type {import('jest').Config} */
module.exports = {
  // Most of the suite's time is spent waiting on servers, child processes and timers, not on
  // CPU: two workers on a 2-core machine take ~270 s where jest's default (cores − 1 = one
  // worker) takes ~400 s.
  maxWorkers: '100%',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile file by file (fast);
    // type-checking is `npm run lint`'s job.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // Generous: with two workers sharing two cores, the heaviest image tests run at half speed.
  testTimeout: 60000,
};
