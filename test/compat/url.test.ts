import { compat } from "./harness.js";

const show = `const show = (s, b) => { try { const u = new URL(s, b); console.log(JSON.stringify([u.href, u.origin, u.host, u.hostname, u.port, u.pathname, u.search, u.hash])) } catch (e) { console.log(JSON.stringify(s), e.name, e.code, e.message, e.input) } };`;

compat("url (WHATWG URL)", [
  ["special schemes: default ports, case, dot segments", `${show} ["http://EXAMPLE.com:80/a/./b/../c?x=1#f", "https://u:p@h.com:8443/p", "ws://x:80/", "wss://x:443/", "ftp://x:21/", "http://a.com/%2e%2E/x"].forEach((s) => show(s))`],
  ["IPv4 hosts in hex, octal and short forms", `${show} ["http://0x7f.1/", "http://0300.0250.1.1", "http://4294967295", "http://1.2.3.4.5", "http://256.1.1.1", "http://a.b.c.", "http://%41.com", "http://1.2.3.09"].forEach((s) => show(s))`],
  ["IPv6 hosts with compression and embedded IPv4", `${show} ["http://[::1]:3000/", "http://[1:0:0:0:0:0:0:1]/", "http://[::ffff:192.168.0.1]/", "http://[1:0:0:2:0:0:0:3]/", "http://[::1", "http://[1::2::3]/"].forEach((s) => show(s))`],
  ["file URLs and Windows drive letters", `${show} ["file:///C:/x/../y", "file://localhost/etc/passwd", "file:///a/b/../../..", "file:c|/d"].forEach((s) => show(s))`],
  ["opaque paths and non-special schemes", `${show} ["mailto:a@b.com?x", "javascript:alert(1)", "data:text/plain,hi there", "foo://host/a/../b", "foo:/a/../b", "non-spec:/.//p", "blob:https://a.com/uuid"].forEach((s) => show(s))`],
  ["percent-encode sets per component", `${show} show("http://a/b c/\\"d\\"<>\`{}^|?q=a b'\\"<>#f g\`<"); show("foo://a/b c?q=a'b")`],
  ["whitespace, tabs, backslashes and bad ports", `${show} ["  http://a/\\t\\nb  ", "http://a/\\\\b\\\\c", "http://a:99999", "http://a:8x", "http://user@/x", "nope"].forEach((s) => show(s))`],
  ["IDN hosts become punycode", `${show} ["http://münchen.de/ä", "http://xn--mnchen-3ya.de/", "http://BÜCHER.example"].forEach((s) => show(s))`],
  ["RFC 3986 reference resolution", `const base = "http://a/b/c/d;p?q"; for (const r of ["g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", ";x", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g", "g/./h", "g/../h", "http:g"]) console.log(r, new URL(r, base).href)`],
  ["invalid input and base carry input/base", `try { new URL("x", "also bad") } catch (e) { console.log(e.name, e.code, e.message, e.input, e.base) } try { new URL() } catch (e) { console.log(e.code, e.message) }`],
  ["URL.canParse", `console.log(URL.canParse("x"), URL.canParse("x", "http://a"), URL.canParse("http://a", "bad"), URL.canParse("http://[::1]"))`],
  ["setters follow the spec's state overrides", `const u = new URL("https://a.com/p?x=1#h"); u.protocol = "http"; u.port = "8080"; u.hostname = "B.org"; u.pathname = "x/ y"; u.hash = "top"; u.username = "me@"; u.password = "p:w"; console.log(u.href); u.protocol = "foo"; u.port = "99999"; u.host = "c.net:81"; console.log(u.href); u.port = ""; u.search = "?q=é"; console.log(u.href); try { u.href = "nope" } catch (e) { console.log(e.code) }`],
  ["searchParams is a live view of the query", `const u = new URL("https://a.com/p?x=1&y=2#h"); u.searchParams.append("z", "a b&c"); console.log(u.href); u.search = "?q=é"; console.log(u.searchParams.get("q"), [...u.searchParams]); u.searchParams.delete("q"); console.log(u.href, u.search === "")`],
  ["toJSON, toString and JSON.stringify", `const u = new URL("http://a.com/x"); console.log(JSON.stringify({ u }), String(u), u.toJSON() === u.href, Object.prototype.toString.call(u))`],
  ["inspect of URL objects", `console.log(new URL("http://u:p@a.com:81/p?q=1#h")); console.log({ nested: { u: new URL("http://x.com/") } })`],
]);

compat("url (URLSearchParams)", [
  ["parse, get, getAll, has with value, size", `const p = new URLSearchParams("?b=2&a=1&b=3&c=%20x+y&d&e=%zz"); console.log(p.get("b"), p.getAll("b"), p.has("d"), p.has("b", "3"), p.has("b", "4"), p.get("zz"), p.size, p.toString())`],
  ["sort is stable; set and delete", `const p = new URLSearchParams("b=2&a=1&b=3&a=0"); p.sort(); console.log([...p]); p.set("b", "9"); p.delete("a"); console.log(p.toString(), [...p.keys()], [...p.values()]); p.append("x", "1"); p.delete("x", "2"); console.log(p.toString())`],
  ["constructed from records, pairs and Maps", `console.log(new URLSearchParams({ x: 1, y: "é ☃" }).toString(), new URLSearchParams([["a", "1"], ["a", "2"]]).toString(), new URLSearchParams(new Map([["k", "v"]])).toString(), new URLSearchParams("a=~!*()'-_.").toString())`],
  ["argument errors", `try { new URLSearchParams([["a"]]) } catch (e) { console.log(e.name, e.code, e.message) } const p = new URLSearchParams(); try { p.get() } catch (e) { console.log(e.name, e.code, e.message) } try { p.append("a") } catch (e) { console.log(e.code, e.message) }`],
  ["forEach and iterators", `const p = new URLSearchParams("a=1&b=2"); p.forEach((v, k, o) => console.log(k, v, o === p)); const it = p.entries(); console.log(it.next(), [...it], Object.prototype.toString.call(p.keys()))`],
  ["inspect of params and iterators", `console.log(new URLSearchParams("a=1&b=2"), new URLSearchParams(), new URLSearchParams("a=1").keys(), new URLSearchParams("a=1").entries())`],
]);

compat("url (legacy API and helpers)", [
  ["url.parse of common shapes", `const url = require("url"); for (const s of ["http://user:pw@Host.com:8080/p/a/t/h?query=string#hash", "/p?a=1", "//foo/bar", "mailto:x@y.com", "javascript:alert(1)", "http://x.com:/a", "HTTP://X.COM", "http://[::1]:80/x"]) console.log(url.parse(s))`],
  ["url.parse escapes, backslashes and query objects", `const url = require("url"); for (const s of ["http://a b/c d", "x", "?q", "#h", "http://a.com\\\\b\\\\c?d\\\\e", "file:///etc/passwd", "https://a.com?x#y"]) console.log(url.parse(s)); console.log(url.parse("/p?a=1&a=2", true).query, url.parse("//h/p", false, true).host); try { url.parse(5) } catch (e) { console.log(e.code, e.message) }`],
  ["url.format of objects, strings and URLs", `const url = require("url"); console.log(url.format({ protocol: "https", hostname: "a.com", port: 8080, pathname: "/x y#", query: { a: [1, 2], b: "c d" }, hash: "h" })); console.log(url.format({ protocol: "mailto", auth: "a:b@c", host: "x.com" }), url.format("http://A.com/x?y"), url.format({ host: "a", pathname: "p" }), url.format({ protocol: "file", pathname: "/x" })); console.log(url.format(new URL("http://u:p@a.com/x?y#z"), { auth: false, search: false, fragment: false }))`],
  ["url.resolve", `const url = require("url"); for (const [a, b] of [["/one/two/three", "four"], ["http://example.com/", "/one"], ["http://example.com/one", "/two"], ["http://a/b/c/d;p?q", "../g"], ["http://a/b", "//c/d"], ["http://a/b", "https://c"], ["mailto:a@b", "c@d"], ["http://a/b/c", "?x"], ["http://a/b/c", "#x"], ["http://a/b/c", ""], ["a/b", "../../c"], ["http://a/b/", "./."]]) console.log(url.resolve(a, b))`],
  ["fileURLToPath and pathToFileURL", `const url = require("url"); console.log(url.fileURLToPath("file:///a%20b/c"), url.fileURLToPath(new URL("file:///x/y")), url.pathToFileURL("/a b/c#?%x/").href); for (const bad of ["http://a/", "file://host/x", "file:///a%2Fb", 5]) try { url.fileURLToPath(bad) } catch (e) { console.log(e.name, e.code, e.message) }`],
  ["domainToASCII, domainToUnicode, urlToHttpOptions", `const url = require("url"); console.log(url.domainToASCII("español.com"), JSON.stringify(url.domainToASCII("xn--iñvalid.com")), url.domainToASCII("EXAMPLE.com"), url.domainToUnicode("xn--espaol-zwa.com")); console.log(url.urlToHttpOptions(new URL("http://a:b@[::1]:90/x?y#z")))`],
  ["module shape", `const url = require("node:url"); console.log(Object.keys(url).join(), url.URL === URL, url.URLSearchParams === URLSearchParams)`],
]);
