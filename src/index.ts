/**
 * quicksand: run untrusted JavaScript in a QuickJS WebAssembly sandbox with a Node.js
 * world — fs, process, child_process, fetch, require — where every touch of the outside
 * passes a deny-by-default permission callback first.
 *
 * @module
 */

// The runtime
export { NodeRuntime } from "./runtime/node-runtime.js";
export type { ExecResult, RunResult } from "./runtime/node-runtime.js";
export type { Session, SessionOptions, EvalResult } from "./runtime/session.js";
export type { NodeRuntimeOptions, ExecOptions, TimingMitigation, ResourceBudgets } from "./runtime/options.js";
export type { StdioEvent, StdioChannel, StdioHandler } from "./runtime/stdio.js";
export type { PayloadLimits } from "./runtime/bridge/bridge.js";
export type { BindingTree, BindingFunction } from "./runtime/bindings.js";
export { ExitCode } from "./runtime/exit-codes.js";
export { WorkerPool, closeSharedWorkerPool } from "./runtime/worker/pool.js";
export type { WorkerPoolOptions, WorkerPoolStats } from "./runtime/worker/pool.js";
export { createQuickJSRuntimeDriverFactory } from "./runtime/runtime-driver.js";
export type { RuntimeDriverFactory, QuickJSRuntimeDriverOptions } from "./runtime/runtime-driver.js";

// The system driver and its permission helpers
export { createNodeDriver } from "./driver/node-driver.js";
export { createInMemoryFileSystem } from "./driver/in-memory-fs.js";
export type { InMemoryFileSystem, InMemoryFileSystemOptions } from "./driver/in-memory-fs.js";
export { NodeFileSystem } from "./driver/node-fs.js";
export type { NodeFileSystemOptions } from "./driver/node-fs.js";
export { ModuleAccessFileSystem } from "./driver/module-access-fs.js";
export { createNodeCommandExecutor } from "./driver/command-executor.js";
export type { NodeCommandExecutorOptions } from "./driver/command-executor.js";
export { allowAll, allowAllFs, allowAllNetwork, allowAllChildProcess, allowAllEnv } from "./driver/permissions.js";
export { createDefaultNetworkAdapter } from "./driver/network/index.js";
export type { DefaultNetworkAdapterOptions } from "./driver/network/index.js";

// Types of the driver contract
export type {
  VirtualFileSystem,
  VirtualFileHandle,
  VirtualOpenFlags,
  VirtualDirEntry,
  VirtualStat,
  FsOp,
  NetworkAdapter,
  NetworkBody,
  NetworkFetchRequest,
  NetworkFetchResponse,
  NetworkHttpRequest,
  NetworkHttpResponse,
  NetworkDnsAddress,
  NetworkListenOptions,
  NetworkServer,
  NetworkServerRequest,
  NetworkServerResponder,
  CommandExecutor,
  SpawnedProcess,
  CommandSpawnOptions,
  CommandSpawnSyncOptions,
  CommandSpawnSyncResult,
  Permissions,
  PermissionDecision,
  FsAccessRequest,
  NetworkAccessRequest,
  ChildProcessAccessRequest,
  EnvAccessRequest,
  ProcessConfig,
  OSConfig,
  ModuleAccessOptions,
  SystemDriver,
  NodeDriverOptions,
} from "./driver/types.js";

// Errors thrown to callers
export * as errors from "./errors.js";
