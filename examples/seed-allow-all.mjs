// Seed "Allow-all helpers": both shapes, and allowAll.
import { NodeRuntime, createNodeDriver, allowAllFs, allowAllNetwork, allowAll } from "quicksand";

const spread = createNodeDriver({ permissions: { ...allowAllFs, ...allowAllNetwork } });
const permissive = createNodeDriver({ permissions: allowAll, processConfig: { env: { GREETING: "hello" } } });

for (const [name, driver] of [["spread", spread], ["allowAll", permissive]]) {
  const runtime = new NodeRuntime({ systemDriver: driver });
  const r = await runtime.exec(`
    require("fs").writeFileSync("/tmp-file.txt", "ok");
    console.log(${JSON.stringify(name)}, require("fs").readFileSync("/tmp-file.txt", "utf8"), process.env.GREETING);
  `);
  process.stdout.write(r.stdout + r.stderr);
  runtime.dispose();
}
