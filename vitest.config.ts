import { defineConfig } from "vitest/config";

// Two projects: unit tests beside the code (no engines), and engine-backed tests under test/
// that share one environment started by the global setup. Files run one at a time on the
// 2-core machines this project targets; engine start-up is paid once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{components,controller,vsphere,test/env,bench}/**/*.test.ts", "*.test.ts"],
          exclude: ["test/integration/**", "test/e2e/**", "node_modules/**"],
        },
      },
      {
        test: {
          name: "engines",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/env/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
