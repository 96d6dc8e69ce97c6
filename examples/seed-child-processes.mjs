// Seed "Child processes": a custom CommandExecutor, gated by the childProcess permission.
import { spawn } from "node:child_process";
import { NodeRuntime, createNodeDriver } from "quicksand";

const commandExecutor = {
  spawn(command, args, options) {
    const proc = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
    });
    proc.stdout?.on("data", (chunk) => options.onStdout?.(chunk));
    proc.stderr?.on("data", (chunk) => options.onStderr?.(chunk));

    return {
      writeStdin: (data) => proc.stdin?.write(data),
      closeStdin: () => proc.stdin?.end(),
      kill: (signal) => proc.kill(signal),
      wait: () =>
        new Promise((resolve) =>
          proc.on("close", (code) => resolve(code ?? 1)),
        ),
    };
  },
};

const driver = createNodeDriver({
  commandExecutor,
  permissions: {
    childProcess: (req) => {
      if (req.command === "node") return { allow: true };
      return { allow: false };
    },
  },
});

const runtime = new NodeRuntime({ systemDriver: driver });
const r = await runtime.exec(`
  const { spawn } = require("child_process");
  const child = spawn("node", ["-e", "console.log('hello from a child')"]);
  child.stdout.on("data", (d) => process.stdout.write("child says: " + d));
  child.on("close", (code) => console.log("child exited", code));
  try { spawn("rm", ["-rf", "/"]) } catch (e) { console.log("rm:", e.code) }
`);
process.stdout.write(r.stdout + r.stderr);
runtime.dispose();
