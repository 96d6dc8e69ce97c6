// Seed "Filesystem": an in-memory filesystem, filled from the host before the run. The
// host's node_modules stays visible, read-only, at /root/node_modules over it.
import { NodeRuntime, createNodeDriver, createInMemoryFileSystem, allowAllFs } from "quicksand";

const fs = createInMemoryFileSystem();
await fs.writeFile("/app/data.json", '{"key": "value"}');

const driver = createNodeDriver({ filesystem: fs, moduleAccess: { cwd: process.cwd() }, permissions: allowAllFs });
const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const fs = require("fs");
  const data = JSON.parse(fs.readFileSync("/app/data.json", "utf8"));
  fs.writeFileSync("/app/result.txt", "key=" + data.key);
  console.log("a package from the host:", typeof require("memfs").Volume);
  try { fs.writeFileSync("/root/node_modules/memfs/package.json", "{}") } catch (e) { console.log("write into it:", e.code) }
`);
process.stdout.write(r.stdout + r.stderr);
console.log("exit", r.code, "host reads:", await fs.readTextFile("/app/result.txt"));
runtime.dispose();
