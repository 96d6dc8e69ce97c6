/**
 * One (system, section) of bench/peers.mjs in its own process:
 * `node --expose-gc bench/peers/child.mjs <system> <section>` prints the result as one JSON
 * line. A file, not `node -e`: worker threads inherit the parent's execArgv, and
 * `--input-type` (which `-e` scripts need) makes a worker fail to start.
 */
import { runSection } from "./sections.mjs";

const [system, section] = process.argv.slice(2);
const result = await runSection(system, section);
console.log(JSON.stringify(result));
// secure-exec's sidecar and a worker pool would keep the process alive; close() ran already.
process.exit(0);
