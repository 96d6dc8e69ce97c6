/**
 * The op table: every host op any shim declares. This list is the whole surface the
 * guest can reach on the host.
 */
import { opTable } from "../runtime/bridge/op.js";
import { bindingOps } from "./bindings/host.js";
import { childProcessOps } from "./child-process/host.js";
import { cryptoOps } from "./crypto/host.js";
import { zlibOps } from "./zlib/host.js";
import { fetchOps } from "./fetch/host.js";
import { fsOps } from "./fs/host.js";
import { httpServerOps } from "./http/host.js";
import { moduleOps } from "./module/host.js";
import { osOps } from "./os/host.js";
import { processOps } from "./process/host.js";
import { stdioOps } from "./stdio/host.js";

export const OPS = opTable(processOps, stdioOps, moduleOps, fsOps, osOps, childProcessOps, fetchOps, httpServerOps, cryptoOps, zlibOps, bindingOps);
