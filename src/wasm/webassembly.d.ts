/**
 * The slice of the WebAssembly JS API quicksand uses. @types/node 20 does not declare
 * the global `WebAssembly` namespace, and pulling in the DOM library would bring
 * browser globals the host code must not rely on.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  type BufferSource = ArrayBufferView | ArrayBuffer;
  function compile(bytes: BufferSource): Promise<Module>;
  /** Import namespaces, each a table of functions and values, by name. */
  type Imports = Record<string, Record<string, unknown>>;
  class Instance {
    readonly exports: Record<string, unknown>;
  }
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
