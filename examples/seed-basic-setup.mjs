// Seed "Basic setup": with no options the driver gives a filesystem with a read-only
// node_modules overlay and no network or child process access.
import { NodeRuntime, createNodeDriver } from "quicksand";

const driver = createNodeDriver();
const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  try { require("fs").writeFileSync("/root/note.txt", "hi") } catch (e) { console.log("write:", e.code) }
  console.log("env:", JSON.stringify(process.env));
`);
process.stdout.write(r.stdout);
runtime.dispose();
