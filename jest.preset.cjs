// Shared jest settings: swc transpiles TS (and our ESM) to CommonJS; tsc typechecks separately.
const path = require('node:path');
module.exports = function preset(dir, extra = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    reporters: ['default', path.join(__dirname, 'tools/ci/jest-results-reporter.cjs')],
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
    moduleNameMapper: {
      '^@amesh/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      '^@amesh/([a-z-]+)/(.+)$': path.join(__dirname, 'packages/$1/src/$2'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    ...extra,
  };
};
