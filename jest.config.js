/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/api', '<rootDir>/worker', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/environment/globalSetup.ts',
  globalTeardown: '<rootDir>/test/environment/globalTeardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
