/** The `stream/promises` builtin: `pipeline` and `finished` returning Promises (the port's own). */
import { requireBuiltin } from "../module/guest.js";

export default (requireBuiltin("stream") as { promises: object }).promises;
