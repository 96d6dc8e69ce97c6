/**
 * Ambient declarations for code that runs inside QuickJS. The guest realm has the
 * ECMAScript built-ins and nothing else until the bootstrap installs Node's globals.
 */
declare function queueMicrotask(cb: () => void): void;
/** quickjs-ng provides DOMException natively. */
declare class DOMException extends Error {
  constructor(message?: string, name?: string);
  readonly code: number;
}
/**
 * `node:` imports in guest code are the sandbox's own builtins, resolved at run time by
 * the guest loader (rollup keeps them external). Their types are not modelled here.
 */
declare module "node:*" {
  const builtin: any;
  export default builtin;
}
