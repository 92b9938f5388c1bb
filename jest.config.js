/**
 * Jest runs TypeScript through ts-jest in transpile-only mode; `npm run typecheck`
 * does the type checking once for the whole tree, which is much faster than per file.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/lib/", "/dist/"],
  modulePathIgnorePatterns: ["<rootDir>/lib/", "<rootDir>/dist/"],
  // examples/ imports the package by name, as a consumer would.
  moduleNameMapper: { "^meshpilot$": "<rootDir>/index.ts" },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  reporters: ["default", "<rootDir>/test/closing-line-reporter.js"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
