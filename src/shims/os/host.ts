/**
 * The one op behind `os`: the driver's `osConfig` merged with defaults that describe a
 * generic Linux sandbox and nothing about the real host, plus the sandbox's memory
 * (its limit is the total; free is what the guest has not yet grown into).
 */
import { defineOp, type Op } from "../../runtime/bridge/op.js";

/** What `os` reports when `osConfig` leaves a field out. Documented in the README. */
export const OS_DEFAULTS = Object.freeze({
  platform: "linux",
  arch: "x64",
  type: "Linux",
  release: "6.0.0-quicksand",
  version: "#1 SMP quicksand",
  homedir: "/root",
  tmpdir: "/tmp",
  hostname: "sandbox",
});

const info = defineOp({
  name: "os.info",
  args: [],
  local: true,
  sync: (cx) => {
    const usage = cx.exec.memoryUsage();
    const total = cx.exec.memoryLimit;
    return {
      ...OS_DEFAULTS,
      ...cx.driver.osConfig,
      totalmem: total,
      freemem: Math.max(0, total - usage.rss),
    };
  },
});

export const osOps: Op[] = [info];
