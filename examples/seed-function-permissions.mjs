// Seed "Function-based permissions": each capability decided by a callback.
import { NodeRuntime, createNodeDriver } from "quicksand";

const driver = createNodeDriver({
  permissions: {
    fs: (request) => {
      if (request.path.startsWith("/tmp")) return { allow: true };
      return { allow: false, reason: "Only /tmp is writable" };
    },
    network: (request) => {
      if (request.hostname === "api.example.com") return { allow: true };
      return { allow: false };
    },
    childProcess: (request) => {
      if (request.command === "ls") return { allow: true };
      return { allow: false, reason: `Blocked command: ${request.command}` };
    },
    env: (request) => {
      if (["NODE_ENV", "PATH"].includes(request.key)) return { allow: true };
      return { allow: false };
    },
  },
  processConfig: { env: { NODE_ENV: "test", PATH: "/usr/bin", SECRET: "hunter2" } },
});

const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const fs = require("fs");
  fs.writeFileSync("/tmp/ok.txt", "fine");
  console.log("tmp:", fs.readFileSync("/tmp/ok.txt", "utf8"));
  try { fs.writeFileSync("/etc/passwd", "x") } catch (e) { console.log("etc:", e.message) }
  console.log("env:", Object.keys(process.env).join(","), process.env.SECRET);
`);
process.stdout.write(r.stdout + r.stderr);
runtime.dispose();
