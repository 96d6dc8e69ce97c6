// Seed "Process and OS configuration": what process and os show inside the sandbox.
import { NodeRuntime, createNodeDriver, allowAllEnv } from "quicksand";

const driver = createNodeDriver({
  permissions: allowAllEnv,
  processConfig: {
    cwd: "/app",
    env: { NODE_ENV: "production", API_KEY: "sk-..." },
  },
  osConfig: {
    platform: "linux",
    arch: "x64",
  },
});

const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const os = require("os");
  console.log(process.cwd(), process.env.NODE_ENV, process.env.API_KEY);
  console.log(os.platform(), os.arch());
`);
process.stdout.write(r.stdout + r.stderr);
runtime.dispose();
