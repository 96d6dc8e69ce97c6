import { it } from "vitest";
import { NodeRuntime, createNodeDriver, createNodeCommandExecutor, allowAll } from "../src/index.js";
it("dbg", async () => {
  const rt = new NodeRuntime({ systemDriver: createNodeDriver({ permissions: allowAll, commandExecutor: createNodeCommandExecutor() }) });
  const r = await rt.exec(process.env.CODE!, { stdin: "hello stdin" });
  rt.dispose();
  console.log(JSON.stringify(r, null, 1));
});
