// Tiers (see README): unit = pure logic, integration = real Postgres + NATS, e2e = the services
// as separate processes; reliability (faults injected into real processes) and security (the
// whole stack attacked through its APIs) are e2e-style suites of their own.
const swcConfig = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  moduleNameMapper: {
    '^@tenantbus/contracts$': '<rootDir>/libs/contracts/src',
    '^@tenantbus/tenant-context$': '<rootDir>/libs/tenant-context/src',
    '^@tenantbus/testing$': '<rootDir>/libs/testing/src',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // Integration and e2e tests wait on real brokers; deadlines inside tests are tighter than this.
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: [
        '\\.int\\.spec\\.ts$',
        '\\.e2e\\.spec\\.ts$',
        '<rootDir>/test/(reliability|security)/',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'],
    },
    {
      ...shared,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'security',
      testMatch: ['<rootDir>/test/security/**/*.spec.ts'],
    },
  ],
};
