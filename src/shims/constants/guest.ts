/**
 * The deprecated `constants` builtin: os errno, signal and priority numbers and the fs
 * constants in one flat object, as Node still provides for older packages (graceful-fs).
 */
import fs from "node:fs";
import os from "node:os";

type Constants = Record<string, unknown>;
const oc = (os as unknown as { constants: Record<string, Constants> }).constants;
const constants = Object.assign(
  {} as Constants,
  oc.dlopen ?? {},
  oc.errno ?? {},
  oc.priority ?? {},
  oc.signals ?? {},
  (fs as unknown as { constants: Constants }).constants ?? {},
);

export default constants;
