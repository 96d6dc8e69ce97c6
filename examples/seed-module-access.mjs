// Seed "Module access": the host's node_modules, read-only, at /root/node_modules.
import { NodeRuntime, createNodeDriver } from "quicksand";

const driver = createNodeDriver({
  moduleAccess: {
    cwd: process.cwd(),
  },
});
const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const fs = require("fs");
  console.log("memfs package visible:", fs.existsSync("/root/node_modules/memfs/package.json"));
  try { fs.writeFileSync("/root/node_modules/evil.js", "x") } catch (e) { console.log("write:", e.code) }
`);
process.stdout.write(r.stdout + r.stderr);
runtime.dispose();
