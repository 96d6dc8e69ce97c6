import { it } from "vitest";
import { execOnce } from "../../helpers.js";
import { createNodeDriver, createInMemoryFileSystem, allowAll } from "../../../src/index.js";
it("smoke", async () => {
  const mem = createInMemoryFileSystem();
  const fs = { ...mem, readFile: async (p: string) => { console.error("readFile", p); const r = await mem.readFile(p); console.error("done"); return r; } };
  const r = await execOnce(`const fs = require('fs'); fs.writeFileSync('/a.txt', 'hello'); const p = fs.promises.readFile('/a.txt', 'utf8'); console.log('started'); p.then(d => console.log('p', d), e => console.log('e', e));`, { cpuTimeLimitMs: 2000, systemDriver: createNodeDriver({ filesystem: fs, permissions: allowAll }) }, { cwd: "/" });
  console.log(r.code, r.stdout, r.errorMessage?.slice(0, 300));
}, 4000);
