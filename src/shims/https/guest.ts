/** `https`: the http client over TLS (verified by the host's adapter), behind the `network` permission. */
import { notSupported } from "../_lib/errors.js";
import { clientRequestClass, get, request } from "../http/client.js";

export default {
  request: (input: unknown, options?: unknown, cb?: (...a: any[]) => any) => request("https:", input, options, cb),
  get: (input: unknown, options?: unknown, cb?: (...a: any[]) => any) => get("https:", input, options, cb),
  get ClientRequest() {
    return clientRequestClass("https:");
  },
  createServer(): never {
    throw notSupported("https.createServer()");
  },
  Agent: class Agent {
    constructor(readonly options: object = {}) {}
    destroy(): void {}
  },
  globalAgent: {},
};
