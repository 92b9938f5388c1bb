/**
 * Jest runs the ES-module TypeScript through ts-jest in transpile-only mode (isolatedModules);
 * `npm run typecheck` does the type checking once for the whole tree, which is much faster.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/lib/", "<rootDir>/dist/"],
  modulePathIgnorePatterns: ["<rootDir>/lib/", "<rootDir>/dist/"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    // Sources import siblings as `./x.js`, as Node's ESM resolution wants; Jest finds the .ts.
    "^(\\.{1,2}/.*)\\.js$": "$1",
    // examples/ imports the package by name, as a consumer would.
    "^meshpilot$": "<rootDir>/index.ts",
    "^meshpilot/(aws|k8s)$": "<rootDir>/$1.ts",
    "^\\.\\./workflow-v1\\.0\\.min\\.json$": "<rootDir>/test/workflow-schema.cjs",
  },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", useESM: true }] },
  reporters: ["default", "<rootDir>/test/closing-line-reporter.cjs"],
  // A failed test can leave a server's socket or timer behind; CI must end with the verdict, not
  // wait on it until its 90 minutes run out. (A leak still shows: Jest names it when it forces.)
  forceExit: true,
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
