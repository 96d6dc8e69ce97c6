// Worker mode: sandboxes on a pool of worker threads. Guest code never blocks this
// thread's event loop, sync guest APIs work over async-only adapters and async
// permission callbacks, and a watchdog stops what the interpreter cannot interrupt.
import { NodeRuntime, WorkerPool, createNodeDriver, createInMemoryFileSystem } from "quicksand";

// An async-only filesystem (the seed's twelve async methods, no *Sync), as a database-
// or network-backed one would be. Here it forwards to an in-memory one.
const memory = createInMemoryFileSystem();
await memory.writeFile("/app/lib/greet.js", "module.exports = (name) => `hello, ${name}`;");
const SEED_METHODS = ["readFile", "readTextFile", "readDir", "readDirWithTypes", "writeFile", "createDir", "mkdir", "exists", "stat", "removeFile", "removeDir", "rename"];
const filesystem = Object.fromEntries(SEED_METHODS.map((m) => [m, memory[m].bind(memory)]));

const pool = new WorkerPool({ size: 2 }); // default: one worker per core
const runtime = new NodeRuntime({
  workerPool: pool,
  cpuTimeLimitMs: 200,
  systemDriver: createNodeDriver({
    filesystem,
    permissions: {
      // An async permission callback: the guest's synchronous call waits for it.
      fs: async (req) => ({ allow: req.path.startsWith("/app") }),
    },
  }),
});

// require() and readFileSync over an async-only filesystem.
const r = await runtime.exec(`
  const greet = require("./lib/greet");
  require("fs").writeFileSync("/app/out.txt", greet("worker"));
  console.log(require("fs").readFileSync("/app/out.txt", "utf8"));
`, { filePath: "/app/main.js" });
console.log(r.stdout.trim());

// While a guest spins, this thread keeps serving.
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const spin = await runtime.exec("while (true) {}");
clearInterval(timer);
console.log(`spin: exit code ${spin.code}, host timer ticked ${ticks > 5 ? "meanwhile" : "too little"}`);

runtime.dispose();
await pool.close();
