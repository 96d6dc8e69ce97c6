import { compat } from "./harness.js";

compat("string_decoder", [
  ["utf8 across chunks", `const { StringDecoder } = require("string_decoder"); const d = new StringDecoder("utf8"); console.log(JSON.stringify([d.write(Buffer.from([0xe2])), d.write(Buffer.from([0x82])), d.write(Buffer.from([0xac])), d.end()]))`],
  ["incomplete utf8 at end", `const { StringDecoder } = require("string_decoder"); const d = new StringDecoder(); console.log(JSON.stringify([d.write(Buffer.from([0xe2, 0x82])), d.end(), d.write(Buffer.from("ok"))]))`],
  ["base64 keeps 3-byte groups", `const { StringDecoder } = require("string_decoder"); const d = new StringDecoder("base64"); console.log(d.write(Buffer.from("ab")), d.write(Buffer.from("cd")), d.end(Buffer.from("e")))`],
  ["utf16le surrogate pairs across chunks", `const { StringDecoder } = require("string_decoder"); const d = new StringDecoder("utf16le"); console.log(JSON.stringify([d.write(Buffer.from([0x3d])), d.write(Buffer.from([0xd8, 0x00])), d.write(Buffer.from([0xde])), d.end()]))`],
  ["hex and latin1 from plain Uint8Arrays", `const { StringDecoder } = require("string_decoder"); console.log(new StringDecoder("hex").write(new Uint8Array([1, 255])), new StringDecoder("latin1").write(new Uint8Array([0xe9])), new StringDecoder("hex").encoding)`],
  ["strings pass through; bad input and encodings throw", `const { StringDecoder } = require("string_decoder"); console.log(new StringDecoder().write("str")); try { new StringDecoder("nope") } catch (e) { console.log(e.name, e.code, e.message) } try { new StringDecoder().write(5) } catch (e) { console.log(e.code, e.message) }`],
]);

compat("querystring", [
  ["parse with repeats, empty values, + and bad escapes", `console.log(require("querystring").parse("a=1&b=2&a=3&c&=x&&d=%zz&e=a+b%20c&f=%E2%82%AC"))`],
  ["parse with custom separators and maxKeys", `const qs = require("querystring"); console.log(qs.parse("a:1;b:2", ";", ":"), qs.parse("a=1&b=2&c=3", null, null, { maxKeys: 2 }), qs.parse(""), qs.parse(5))`],
  ["stringify arrays, primitives and unicode", `console.log(require("querystring").stringify({ a: [1, 2], b: "x y", c: true, d: null, e: "€", f: [], g: 1e21, h: NaN, i: 3n }))`],
  ["stringify with separators and a custom encoder", `const qs = require("querystring"); console.log(qs.stringify({ a: 1, b: "c d" }, ";", ":"), qs.stringify({ w: "x y" }, null, null, { encodeURIComponent: (s) => s.toUpperCase() }), qs.stringify("no"))`],
  ["escape and unescape", `const qs = require("querystring"); console.log(qs.escape("a b&c/é!'()*~"), qs.unescape("%41%zz+"), qs.unescapeBuffer("%41%42"), qs.encode === qs.stringify, qs.decode === qs.parse)`],
  ["escape rejects lone surrogates", `try { require("querystring").escape("\\ud800") } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["parse with a custom decoder", `console.log(require("querystring").parse("a=b%20c", null, null, { decodeURIComponent: (s) => "<" + s + ">" }))`],
]);

compat("timers/promises", [
  ["setTimeout and setImmediate resolve with the value", `const t = require("timers/promises"); (async () => { console.log(await t.setTimeout(5, "v"), await t.setImmediate("i"), await t.setTimeout()) })()`],
  ["abort rejects with AbortError carrying the reason", `const t = require("timers/promises"); const ac = new AbortController(); const p = t.setTimeout(1000, "x", { signal: ac.signal }); ac.abort("r"); p.catch((e) => console.log(e.name, e.code, e.message, e.cause))`],
  ["an already aborted signal rejects at once", `const t = require("timers/promises"); t.setImmediate(1, { signal: AbortSignal.abort() }).catch((e) => console.log(e.name, e.cause.name))`],
  ["setInterval is an async iterator", `const t = require("timers/promises"); (async () => { let n = 0; for await (const v of t.setInterval(2, "tick")) { console.log(v, n); if (++n === 3) break } console.log("stopped") })()`],
  ["option validation", `const t = require("timers/promises"); t.setTimeout(1, 1, { ref: "x" }).catch((e) => console.log(e.code, e.message)); t.setTimeout(1, 1, "opts").catch((e) => console.log(e.code, e.message))`],
  ["scheduler.wait and scheduler.yield", `const { scheduler } = require("timers/promises"); (async () => { await scheduler.wait(2); console.log("waited"); console.log(await scheduler.yield()) })()`],
  ["ref: false does not keep the loop alive", `require("timers/promises").setTimeout(100000, null, { ref: false }).then(() => console.log("never")); console.log("end")`],
]);

compat("os (shape; values come from osConfig)", [
  ["constants, EOL, endianness, devNull", `const os = require("os"); console.log(os.EOL === "\\n", os.endianness(), os.devNull, os.constants.signals.SIGTERM, os.constants.signals.SIGKILL, os.constants.errno.ENOENT, os.constants.errno.EACCES, os.constants.priority, os.constants.dlopen.RTLD_NOW, os.constants.UV_UDP_REUSEADDR)`],
  ["module keys", `console.log(Object.keys(require("os")).sort().join())`],
  ["value types", `const os = require("os"); console.log(typeof os.totalmem(), typeof os.freemem(), os.freemem() <= os.totalmem(), os.loadavg().length, typeof os.uptime(), Array.isArray(os.cpus()), typeof os.cpus()[0].model, typeof os.networkInterfaces(), os.getPriority())`],
  ["tmpdir honours TMPDIR-less env and drops a trailing slash", `const os = require("os"); console.log(typeof os.tmpdir(), os.tmpdir().endsWith("/") && os.tmpdir() !== "/")`],
]);
