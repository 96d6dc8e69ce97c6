/**
 * Ambient declarations for code that runs inside QuickJS. The guest realm has the
 * ECMAScript built-ins and nothing else until the bootstrap installs Node's globals.
 */
declare function queueMicrotask(cb: () => void): void;
