const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default is one worker per core but one; on a 2-core CI machine that is a single worker,
  // and the suite spends most of its time waiting on child processes, Redis and timers.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 20000,
};
