// Seed "Configuring capabilities": network and filesystem allowed, process values set.
// The seed grants no `env` permission, so the guest's read of NODE_ENV is denied and
// reads as undefined: permissions are deny-by-default (add allowAllEnv to see it).
import { NodeRuntime, createNodeDriver, allowAllFs, allowAllNetwork } from "quicksand";

const driver = createNodeDriver({
  useDefaultNetwork: true,
  permissions: {
    fs: allowAllFs,
    network: allowAllNetwork,
  },
  processConfig: {
    cwd: "/app",
    env: { NODE_ENV: "production" },
  },
});

const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const fs = require("fs");
  fs.mkdirSync("/app", { recursive: true });
  fs.writeFileSync("/app/out.txt", "written by the sandbox");
  console.log(process.cwd(), process.env.NODE_ENV, fs.readFileSync("/app/out.txt", "utf8"));
`);
process.stdout.write(r.stdout + r.stderr);
runtime.dispose();
