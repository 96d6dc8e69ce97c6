import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { execOnce } from "../../helpers.js";

describe("zlib host limits", () => {
  it("stops a decompression bomb at the sandbox's output cap with a clear error", async () => {
    // 200 MB of zeros gzip to about 200 KB.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024)).toString("base64");
    const r = await execOnce(`const z = require("zlib"); const bomb = Buffer.from(${JSON.stringify(bomb)}, "base64"); try { z.gunzipSync(bomb) } catch (e) { console.log(e.name, e.code, e.message) } z.gunzip(bomb, (e) => console.log("async", e.code))`);
    expect(r.stdout).toBe("RangeError ERR_BUFFER_TOO_LARGE Cannot create a Buffer larger than 67108864 bytes\nasync ERR_BUFFER_TOO_LARGE\n");
  });

  it("a guest's own maxOutputLength cannot raise the cap", async () => {
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024)).toString("base64");
    const r = await execOnce(`try { require("zlib").gunzipSync(Buffer.from(${JSON.stringify(bomb)}, "base64"), { maxOutputLength: 2 ** 31 }) } catch (e) { console.log(e.code) }`);
    expect(r.stdout).toBe("ERR_BUFFER_TOO_LARGE\n");
  });

  it("rejects compressing an input over the payload limit", async () => {
    const r = await execOnce(`try { require("zlib").gzipSync(Buffer.alloc(4096)) } catch (e) { console.log(e.code) }`, { payloadLimits: { requestBytes: 1024 } });
    expect(r.stdout).toBe("ERR_SANDBOX_PAYLOAD_TOO_LARGE\n");
  });

  it("passes only numeric options to the host", async () => {
    const r = await execOnce(`try { require("zlib").gzipSync("x", { level: "9" }) } catch (e) { console.log(e.code, e.message) }`);
    expect(r.stdout).toBe('ERR_INVALID_ARG_TYPE The "options.level" property must be of type number. Received type string (\'9\')\n');
  });
});
