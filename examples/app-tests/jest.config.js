// One cluster per test file (started in beforeAll). For one cluster per run, see README.md.
module.exports = {
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
    testMatch: ["<rootDir>/test/**/*.test.ts"],
    // Clusters are heavy: run test files one after another unless the machine has cores to spare.
    maxWorkers: 1,
};
