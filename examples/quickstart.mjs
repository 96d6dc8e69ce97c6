// Runs untrusted code in a sandbox with the default driver: no network, no child
// processes, no host environment, and a hard cap on memory and CPU time.
import { NodeRuntime } from "quicksand";

const untrusted = `
  const os = require("os");
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  console.log("fib(25) =", fib(25));
  console.log("running on", process.platform, process.version);
  console.log("HOME is", process.env.HOME ?? "not visible to the sandbox");
  setTimeout(() => console.log("timers work too"), 10);
`;

const runtime = new NodeRuntime({ memoryLimit: 64, cpuTimeLimitMs: 2000 });
try {
  const result = await runtime.exec(untrusted, {
    onStdio: ({ channel, message }) => process[channel].write(`[sandbox ${channel}] ${message}`),
  });
  console.log(`exit code ${result.code}`);

  // A hostile script ends with a clear error instead of hanging the host.
  const loop = await runtime.exec("while (true) {}", { cpuTimeLimitMs: 100 });
  console.log(`infinite loop: exit code ${loop.code} (${loop.errorMessage})`);

  // ES modules hand their exports back as copies.
  const { exports } = await runtime.run("export default 40 + 2");
  console.log("module exported", exports.default);
} finally {
  runtime.dispose();
}
