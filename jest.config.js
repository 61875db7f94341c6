/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/api', '<rootDir>/worker', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/environment/globalSetup.ts',
  globalTeardown: '<rootDir>/test/environment/globalTeardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
