import { defineConfig } from "vitest/config";
// @ts-expect-error plain ESM helper without types
import { guestBundles, shimManifests } from "./scripts/rollup-plugins.mjs";

export default defineConfig({
  plugins: [guestBundles(), shimManifests()],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
