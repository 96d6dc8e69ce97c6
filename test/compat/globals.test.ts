import { compat } from "./harness.js";

compat("globals: encoding, base64, structuredClone", [
  ["TextEncoder encodes utf-8", `const e = new TextEncoder(); console.log(e.encoding, e.encode("h€𝄞"), e.encode(), e.encode("a\\ud800"))`],
  ["TextEncoder.encodeInto stops at whole characters", `const u = new Uint8Array(5); console.log(new TextEncoder().encodeInto("a€€", u), u)`],
  ["TextDecoder decodes and replaces like Node", `const d = new TextDecoder(); console.log(JSON.stringify(d.decode(new Uint8Array([0x68, 0xe2, 0x82, 0xac, 0xff, 0xed, 0xa0, 0x80, 0xf0, 0x9f]))))`],
  ["TextDecoder strips a BOM unless ignoreBOM", `const b = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]); console.log(JSON.stringify([new TextDecoder().decode(b), new TextDecoder("utf-8", { ignoreBOM: true }).decode(b)]))`],
  ["TextDecoder streaming keeps partial sequences", `const d = new TextDecoder(); console.log(JSON.stringify([d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), d.decode(new Uint8Array([0xac]), { stream: true }), d.decode()]))`],
  ["TextDecoder fatal mode throws", `try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])) } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["TextDecoder labels: latin1 and utf-16le", `const l = new TextDecoder("latin1"); const u = new TextDecoder("utf-16le"); console.log(l.encoding, JSON.stringify(l.decode(new Uint8Array([0xe9, 0x41]))), u.encoding, u.decode(new Uint8Array([0x41, 0, 0x3d, 0xd8, 0x00, 0xde])), JSON.stringify(u.decode(new Uint8Array([0x41, 0, 0x42]))))`],
  ["TextDecoder rejects unknown labels", `try { new TextDecoder("foo") } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["TextEncoder/TextDecoder inspect", `console.log(new TextEncoder(), new TextDecoder(), new TextDecoder(" UTF8 ", { fatal: true }).encoding)`],
  ["TextDecoder accepts ArrayBuffer and DataView", `const ab = new TextEncoder().encode("xyz").buffer; console.log(new TextDecoder().decode(ab), new TextDecoder().decode(new DataView(ab, 1)))`],
  ["btoa/atob round trip", `console.log(btoa("hello"), atob("aGVsbG8="), atob(" aGVs\\nbG8 "), btoa(""), atob("YQ"), btoa(String.fromCharCode(255, 254)))`],
  ["atob errors are InvalidCharacterError DOMExceptions", `for (const s of ["a", "a*bc", "ab=c", "abc=="]) try { atob(s) } catch (e) { console.log(e.name, e.message, e.code, e instanceof DOMException) }`],
  ["btoa rejects characters above U+00FF", `try { btoa("\\u0100") } catch (e) { console.log(e.name, e.message) }`],
  ["atob/btoa need an argument", `try { atob() } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["structuredClone copies plain data deeply", `const o = { a: [1, { b: 2 }], d: new Date(0), r: /x/gi, m: new Map([[1, { z: 1 }]]), s: new Set([1, 2]), n: null, u: undefined, big: 10n }; const c = structuredClone(o); console.log(c, c !== o, c.a[1] !== o.a[1], c.m.get(1) !== o.m.get(1))`],
  ["structuredClone keeps cycles and shared references", `const a = { name: "a" }; const o = { x: a, y: a }; o.self = o; const c = structuredClone(o); console.log(c.x === c.y, c.self === c, c.x !== a)`],
  ["structuredClone of typed arrays shares cloned buffers", `const ab = new ArrayBuffer(4); const o = { u: new Uint8Array(ab), v: new Uint16Array(ab, 2, 1) }; const c = structuredClone(o); c.u[2] = 7; console.log(c.u, c.v, c.u.buffer === c.v.buffer, new Uint8Array(ab)[2])`],
  ["structuredClone drops prototypes and non-enumerables", `class P { constructor() { this.x = 1 } get y() { return 2 } } const c = structuredClone(new P()); console.log(c, c instanceof P, Object.getPrototypeOf(c) === Object.prototype)`],
  ["structuredClone of errors", `const e = structuredClone(Object.assign(new RangeError("boom", { cause: 1 }), { code: "X" })); console.log(e instanceof RangeError, e.name, e.message, e.cause, e.code)`],
  ["structuredClone rejects functions and symbols", `for (const v of [() => 1, Symbol("x"), { f: function foo() {} }]) try { structuredClone(v) } catch (e) { console.log(e.name, e.message, e.code) }`],
  ["structuredClone of boxed primitives and sparse arrays", `const c = structuredClone([new Number(3), new String("s"), new Boolean(false), , 5]); console.log(c, 3 in c)`],
  ["structuredClone transfer detaches the source", `const u = new Uint8Array([1, 2]); const c = structuredClone(u, { transfer: [u.buffer] }); console.log(c, u.byteLength)`],
  ["globals are enumerable where Node's are", `console.log(["structuredClone", "atob", "btoa", "Buffer", "TextEncoder", "EventTarget", "AbortController"].map((k) => Object.getOwnPropertyDescriptor(globalThis, k)?.enumerable))`],
]);

compat("globals: AbortController and AbortSignal", [
  ["abort() fires 'abort' once with a DOMException reason", `const ac = new AbortController(); ac.signal.onabort = (e) => console.log("onabort", e.type, e.isTrusted); ac.signal.addEventListener("abort", () => console.log("listener")); ac.abort(); ac.abort(); console.log(ac.signal.aborted, ac.signal.reason.name, ac.signal.reason.message, ac.signal.reason instanceof DOMException)`],
  ["abort with a custom reason and throwIfAborted", `const ac = new AbortController(); ac.abort({ why: 1 }); try { ac.signal.throwIfAborted() } catch (e) { console.log(e) }`],
  ["AbortSignal.abort()", `const s = AbortSignal.abort(); console.log(s.aborted, s.reason.name, s.reason.code, AbortSignal.abort(5).reason)`],
  ["AbortSignal.timeout aborts with a TimeoutError and does not hold the loop", `const s = AbortSignal.timeout(5); setTimeout(() => console.log(s.aborted, s.reason.name, s.reason.message), 30); AbortSignal.timeout(100000)`],
  ["AbortSignal.any follows the first abort", `const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]); s.onabort = () => console.log("any aborted", s.reason); b.abort("B"); a.abort("A"); console.log(AbortSignal.any([AbortSignal.abort("pre")]).reason)`],
  ["AbortSignal cannot be constructed", `try { new AbortSignal() } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["AbortSignal.timeout validates the delay", `try { AbortSignal.timeout(-1) } catch (e) { console.log(e.name, e.code, e.message) }`],
]);
