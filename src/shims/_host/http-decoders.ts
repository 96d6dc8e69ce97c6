/**
 * Argument decoders shared by the HTTP ops (fetch and the http server): header lists and
 * the checks Node's http module makes on names and values, so a guest cannot smuggle a
 * header or a response line through a CR, LF or NUL.
 */
import * as arg from "../../runtime/bridge/decoders.js";
import type { Decoder } from "../../runtime/bridge/decoders.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Most header pairs one request or response may carry. */
export const MAX_HEADERS = 512;
/** An HTTP token (RFC 9110): what a method or a header name may be. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What no header value or status message may hold. */
export const BAD_VALUE = /[\0\r\n]/;

function isHeaderList(v: unknown): v is [string, string][] {
  return Array.isArray(v) && v.length <= MAX_HEADERS && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string");
}

/** Header pairs as JSON `[[name, value], ...]`; names are tokens, values carry no CR, LF or NUL. */
export const headerList: Decoder<[string, string][]> = (cx, h, name) => {
  const list = arg.json(isHeaderList, "a list of [name, value] string pairs")(cx, h, name);
  for (const [k, v] of list) {
    if (!TOKEN.test(k)) throw OpError.node("ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${k.slice(0, 64)}"]`);
    if (BAD_VALUE.test(v)) throw OpError.node("ERR_INVALID_CHAR", `Invalid character in header content ["${k}"]`);
  }
  return list;
};
