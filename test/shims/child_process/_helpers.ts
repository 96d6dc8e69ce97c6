/** Runs guest code in a sandbox whose driver has a command executor and allows everything. */
import { NodeRuntime, allowAll, createNodeCommandExecutor, createNodeDriver } from "../../../src/index.js";
import type { CommandExecutor, NodeRuntimeOptions } from "../../../src/index.js";

export function sandbox(commandExecutor: CommandExecutor = createNodeCommandExecutor(), extra: Partial<Parameters<typeof createNodeDriver>[0]> = {}): NodeRuntimeOptions {
  return { systemDriver: createNodeDriver({ commandExecutor, permissions: allowAll, ...extra }) };
}

export async function run(code: string, options: NodeRuntimeOptions = sandbox(), stdin?: string) {
  const rt = new NodeRuntime(options);
  try {
    return await rt.exec(code, stdin === undefined ? {} : { stdin });
  } finally {
    rt.dispose();
  }
}

