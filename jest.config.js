// Projects so a developer can run the fast pure suites alone (`npx jest --selectProjects unit`)
// while `npm test` runs everything; "chaos" (test/chaos) runs its bounded form there, and alone
// with `npx jest --selectProjects chaos` (PGSCALE_CHAOS_FULL=1 for the long form). "kubernetes" is
// the e2e suite on the local Kubernetes cluster: its own project so that npm test can run it beside
// the unit suites (scripts/test), not beside the Docker e2e suites.
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json" }];
// Tests import workspace packages from source, so unit runs need no build.
const moduleNameMapper = {
    "^@pgscale/([a-z-]+)$": "<rootDir>/packages/$1/src",
    "^@pgscale-tooling/pulumi-docker-standin$": "<rootDir>/tools/offline-pulumi/docker-provider/src",
};
// TypeScript first: a stray compiled .js beside a source must never shadow it.
// fast-stacks: the Pulumi SDK's bookkeeping stacks skip source mapping (see the file).
const common = { testEnvironment: "node", moduleFileExtensions: ["ts", "js", "json"], transform: { "^.+\\.ts$": tsJest }, moduleNameMapper,
    setupFilesAfterEnv: ["<rootDir>/test/support/fast-stacks.ts"] };

module.exports = {
  // 60 s, not jest's 5: a construct graph under Pulumi mocks takes seconds, and many times that on
  // a loaded machine; a test that hangs still fails. Suites that take longer set their own.
  testTimeout: 60_000,
  testSequencer: "<rootDir>/test/support/sequencer.js",
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/packages/*/src/**/*.test.ts", "<rootDir>/tools/**/src/**/*.test.ts", "<rootDir>/test/types/**/*.test.ts", "<rootDir>/bench/report/**/*.test.ts"] },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"], testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/kubernetes.test.ts"] },
    { ...common, displayName: "kubernetes", testMatch: ["<rootDir>/test/e2e/kubernetes.test.ts"] },
    { ...common, displayName: "chaos", testMatch: ["<rootDir>/test/chaos/**/*.test.ts"] },
  ],
};
