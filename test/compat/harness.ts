/**
 * Differential tests: each case is a small CommonJS script run under the host's Node
 * and in a fresh sandbox; the sandbox must print exactly what Node prints. A case is
 * one line — `["what it shows", "script"]` — so coverage grows by adding rows.
 */
import { describe, expect, it } from "vitest";
import { execOnce, hostNode } from "../helpers.js";

export type Case = readonly [name: string, code: string];

export function compat(module: string, cases: readonly Case[]): void {
  describe(`${module}: sandbox prints what host Node prints`, () => {
    for (const [name, code] of cases) {
      it(name, async () => {
        const host = hostNode(code);
        // A case must be a valid Node script; a failing host run is a broken case.
        expect(host.stderr, "host Node failed").toBe("");
        const sandbox = await execOnce(code);
        expect(sandbox.stdout).toBe(host.stdout);
        expect(sandbox.code).toBe(host.code);
      });
    }
  });
}
