import { defineConfig } from "vitest/config";
// @ts-expect-error plain ESM helper without types
import { guestBundles } from "./scripts/rollup-plugins.mjs";

export default defineConfig({
  plugins: [guestBundles()],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
