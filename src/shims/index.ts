/**
 * The op table: every host op any shim declares. This is the whole surface the guest can
 * reach on the host. The list of host halves comes from the builtin manifests
 * (src/shims/<name>/manifest.json, "host"), so a new builtin adds its ops by its folder.
 */
import { hostOps } from "virtual:quicksand-shims";
import { opTable } from "../runtime/bridge/op.js";

export const OPS = opTable(...hostOps);
