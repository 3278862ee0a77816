/**
 * The one Jest setup every package uses (`module.exports = require('../../jest.preset.cjs')(__dirname)`).
 *
 * NestJS 12 ships ESM only and Jest on Node 20 cannot require() ESM, so SWC transforms our TypeScript
 * (with legacy decorators and decorator metadata, which Nest injection and TypeORM need) and also the
 * ESM files of @nestjs/* packages to CommonJS. Everything else in node_modules is left alone.
 */
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = (packageDir) => ({
  rootDir: packageDir,
  displayName: path.basename(packageDir),
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?@nestjs/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // Integration specs talk to a real broker and database: allow them time, and run files one at a
  // time inside a package so two specs never fight for the same 2 cores.
  testTimeout: 60_000,
  // kafkajs keeps sockets and timers for a moment after disconnect(); do not let a finished run hang CI.
  forceExit: true,
  maxWorkers: 1,
  reporters: ['default', [path.join(__dirname, 'scripts/jest-summary-reporter.cjs'), {}]],
});
