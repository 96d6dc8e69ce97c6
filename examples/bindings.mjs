// Host bindings: hand the guest your own API (here a tiny "database" and a greeting),
// called as SecureExec.bindings.x.y() — the contract of secure-exec's custom bindings —
// and a session whose steps share state, like a REPL.
import { NodeRuntime } from "quicksand";

const users = [{ id: 1, name: "ada" }, { id: 2, name: "grace" }];

const runtime = new NodeRuntime({
  cpuTimeLimitMs: 1000,
  bindings: {
    db: {
      // async: the guest gets a Promise; waiting for it is not guest CPU time.
      query: async (sql, params) => {
        if (sql !== "SELECT * FROM users WHERE id > ?") throw new Error(`unknown query: ${sql}`);
        return users.filter((u) => u.id > params[0]);
      },
    },
    // sync: the guest gets the value directly.
    greet: (name) => `Hello, ${name}!`,
  },
});

// Guest code written for secure-exec runs unchanged.
const r = await runtime.exec(`
  const { db, greet } = SecureExec.bindings;
  (async () => {
    const rows = await SecureExec.bindings.db.query("SELECT * FROM users WHERE id > ?", [0]);
    console.log(rows.map((u) => greet(u.name)).join(" "));
    try {
      await db.query("DROP TABLE users", []);
    } catch (e) {
      console.log("host error reached the guest:", e.name, e.message);
    }
    console.log("frozen:", Object.isFrozen(SecureExec.bindings));
  })();
`);
process.stdout.write(r.stdout);

// A session: later steps see what earlier ones defined.
const session = runtime.openSession();
await session.exec("const names = (await SecureExec.bindings.db.query('SELECT * FROM users WHERE id > ?', [1])).map((u) => u.name); globalThis.names = names;");
const { value } = await session.eval("names.map((n) => SecureExec.bindings.greet(n))");
console.log("session value:", value);
session.close();

runtime.dispose();
