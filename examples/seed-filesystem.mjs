// Seed "Filesystem": an in-memory filesystem, filled from the host before the run.
import { NodeRuntime, createNodeDriver, createInMemoryFileSystem, allowAllFs } from "quicksand";

const fs = createInMemoryFileSystem();
await fs.writeFile("/app/data.json", '{"key": "value"}');

const driver = createNodeDriver({ filesystem: fs, permissions: allowAllFs });
const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const fs = require("fs");
  const data = JSON.parse(fs.readFileSync("/app/data.json", "utf8"));
  fs.writeFileSync("/app/result.txt", "key=" + data.key);
`);
console.log("exit", r.code, "host reads:", await fs.readTextFile("/app/result.txt"));
runtime.dispose();
