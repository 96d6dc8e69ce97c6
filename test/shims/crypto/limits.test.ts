import { describe, expect, it } from "vitest";
import { execOnce } from "../../helpers.js";

const run = async (code: string, options = {}) => (await execOnce(code, options)).stdout.trim();

describe("crypto host limits", () => {
  it("rejects hashing an input over the payload limit before it reaches the host", async () => {
    const out = await run(
      `const c = require("crypto"); try { c.createHash("sha256").update(Buffer.alloc(4096)) } catch (e) { console.log(e.name, e.code) } console.log(c.createHash("sha256").update(Buffer.alloc(512)).digest("hex").length)`,
      { payloadLimits: { requestBytes: 1024 } },
    );
    expect(out).toBe("RangeError ERR_SANDBOX_PAYLOAD_TOO_LARGE\n64");
  });

  it("caps scrypt's N·r·p and says it is a sandbox limit", async () => {
    const out = await run(`try { require("crypto").scryptSync("p", "s", 16, { N: 2 ** 20, r: 8, p: 1, maxmem: 2 ** 31 }) } catch (e) { console.log(e.code, e.message) }`);
    expect(out).toBe("ERR_CRYPTO_INVALID_SCRYPT_PARAMS Invalid scrypt params: N*r*p is 8388608, over the quicksand sandbox limit of 2097152");
  });

  it("caps scrypt's memory at 64 MiB whatever maxmem the guest asks for", async () => {
    const out = await run(`try { require("crypto").scryptSync("p", "s", 16, { N: 2 ** 19, r: 8, p: 1, maxmem: 2 ** 31 }) } catch (e) { console.log(e.code) }`);
    expect(out).toBe("ERR_CRYPTO_INVALID_SCRYPT_PARAMS");
  });

  it("caps PBKDF2 iterations and key length", async () => {
    const out = await run(`const c = require("crypto"); for (const f of [() => c.pbkdf2Sync("p", "s", 2_500_001, 32, "sha256"), () => c.pbkdf2Sync("p", "s", 1, 65537, "sha256")]) try { f() } catch (e) { console.log(e.name, e.code, e.message) }`);
    expect(out).toBe(
      "RangeError ERR_OUT_OF_RANGE The value of \"iterations\" is out of range. It must be >= 1 && <= 2500000 (a quicksand sandbox limit on the work of one call: iterations × key blocks × digest cost ≤ 2500000). Received 2500001\n" +
        "RangeError ERR_OUT_OF_RANGE The value of \"keylen\" is out of range. It must be >= 0 && <= 65536 (a quicksand sandbox limit). Received 65537",
    );
  });

  it("limits live Hash objects per exec and frees them on digest", async () => {
    const out = await run(`const c = require("crypto"); const hs = []; try { for (let i = 0; i < 300; i++) hs.push(c.createHash("md5")) } catch (e) { console.log(hs.length, e.code) } hs[0].digest(); console.log(typeof c.createHash("md5").update("x").digest("hex"))`);
    expect(out).toBe("256 ERR_SANDBOX_LIMIT\nstring");
  });

  it("refuses algorithms outside the allow-list without asking the host", async () => {
    const out = await run(`try { require("crypto").createHash("sha256-evil") } catch (e) { console.log(e.message) } try { require("crypto").createCipheriv("aes-128-cbc", "k", "iv") } catch (e) { console.log(e.code) }`);
    expect(out).toBe("Digest method not supported\nERR_SANDBOX_NOT_SUPPORTED");
  });

  it("returns large random buffers in bounded chunks", async () => {
    const out = await run(`const b = require("crypto").randomBytes(3 * 1024 * 1024 + 5); console.log(b.length, b.subarray(0, 1024).some((x) => x !== 0), b.subarray(-1024).some((x) => x !== 0))`);
    expect(out).toBe("3145733 true true");
  });
});
