/** The public surface of the system driver. */
export { createNodeDriver } from "./node-driver";
export { createInMemoryFileSystem } from "./in-memory-fs";
export { createNodeCommandExecutor } from "./command-executor";
export type { NodeCommandExecutorOptions } from "./command-executor";
export { createDefaultNetworkAdapter } from "./network/index.js";
export type { DefaultNetworkAdapterOptions } from "./network/index.js";
export type { InMemoryFileSystem } from "./in-memory-fs";
export { NodeFileSystem } from "./node-fs";
export type { NodeFileSystemOptions } from "./node-fs";
export { ModuleAccessFileSystem } from "./module-access-fs";
export {
  allowAll,
  allowAllChildProcess,
  allowAllEnv,
  allowAllFs,
  allowAllNetwork,
  checkPermission,
  normalizePermissions,
} from "./permissions";
export type {
  ChildProcessAccessRequest,
  CommandExecutor,
  CommandSpawnOptions,
  CommandSpawnSyncOptions,
  CommandSpawnSyncResult,
  EnvAccessRequest,
  FsAccessRequest,
  FsOp,
  ModuleAccessOptions,
  NetworkAccessRequest,
  NetworkAdapter,
  NetworkFetchRequest,
  NetworkFetchResponse,
  NetworkOp,
  NodeDriverOptions,
  OSConfig,
  PermissionCallback,
  PermissionDecision,
  PermissionHelper,
  PermissionKind,
  PermissionRequestMap,
  PermissionResult,
  Permissions,
  PermissionsInput,
  ProcessConfig,
  SpawnedProcess,
  SystemDriver,
  VirtualDirEntry,
  VirtualFileHandle,
  VirtualFileSystem,
  VirtualOpenFlags,
  VirtualStat,
} from "./types";
