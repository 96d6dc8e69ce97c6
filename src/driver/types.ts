/**
 * The public contract of the system driver: the capability interfaces a host plugs in
 * (filesystem, network, commands) and the permission request/decision shapes.
 * Names follow the "Node.js System Driver" specification so secure-exec users can switch.
 */

// ---------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------

/** What a permission callback answers. A bare boolean is accepted too. */
export interface PermissionDecision {
  allow: boolean;
  /** Shown to the guest in the EACCES message when `allow` is false. */
  reason?: string;
}

export type FsOp =
  | "read"
  | "write"
  | "mkdir"
  | "stat"
  | "readdir"
  | "rm"
  | "rename"
  | "copy"
  | "symlink"
  | "readlink"
  | "link"
  | "chmod"
  | "utimes"
  | "truncate"
  | "exists"
  | "realpath"
  | "access"
  | "open";

export interface FsAccessRequest {
  op: FsOp;
  /** Normalized absolute guest path: the same string is checked and then used. */
  path: string;
}

export type NetworkOp = "fetch" | "http" | "dns" | "listen";

export interface NetworkAccessRequest {
  op: NetworkOp;
  url?: string;
  method?: string;
  hostname?: string;
  port?: number;
}

export interface ChildProcessAccessRequest {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface EnvAccessRequest {
  op: "read" | "write";
  key: string;
  value?: string;
}

export type PermissionResult = PermissionDecision | boolean;
export type PermissionCallback<R> = (request: R) => PermissionResult | Promise<PermissionResult>;

/** Deny-by-default: a missing callback denies every request of its kind. */
export interface Permissions {
  fs?: PermissionCallback<FsAccessRequest>;
  network?: PermissionCallback<NetworkAccessRequest>;
  childProcess?: PermissionCallback<ChildProcessAccessRequest>;
  env?: PermissionCallback<EnvAccessRequest>;
}

export type PermissionKind = keyof Permissions;

/** The request type each permission kind receives. */
export interface PermissionRequestMap {
  fs: FsAccessRequest;
  network: NetworkAccessRequest;
  childProcess: ChildProcessAccessRequest;
  env: EnvAccessRequest;
}

/** An object holding one kind's callback under its own key, such as `allowAllFs`. */
export type PermissionHelper<K extends PermissionKind> = {
  readonly [P in K]: PermissionCallback<PermissionRequestMap[P]>;
};

/**
 * What `createNodeDriver({ permissions })` accepts: each kind is either a callback or a
 * helper object holding it (`{ fs: allowAllFs }` as well as `{ ...allowAllFs }`).
 */
export type PermissionsInput = {
  [K in PermissionKind]?: PermissionCallback<PermissionRequestMap[K]> | PermissionHelper<K>;
};

// ---------------------------------------------------------------------------
// Filesystem
// ---------------------------------------------------------------------------

export interface VirtualDirEntry {
  name: string;
  isDirectory: boolean;
  isFile?: boolean;
  isSymbolicLink?: boolean;
}

export interface VirtualStat {
  size: number;
  /** POSIX mode bits including the file type (S_IFREG, S_IFDIR, S_IFLNK). */
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymbolicLink: boolean;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  ino?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
}

/**
 * How a file is opened, as Node's string flags: `r` read, `r+` read/write, `w` create or
 * truncate for writing, `a` append (`+` adds reading, `x` fails when the file exists).
 * Synchronous-I/O flags (`rs+`, `as`) arrive as their plain counterparts.
 */
export type VirtualOpenFlags = "r" | "r+" | "w" | "wx" | "w+" | "wx+" | "a" | "ax" | "a+" | "ax+";

/**
 * An open file of a VirtualFileSystem. Reads and writes are positional: the sandbox keeps
 * each descriptor's file position itself, so a handle never has to. For a file opened in
 * append mode (`a`, `a+`, ...) `write` appends whatever `position` says, as O_APPEND does.
 */
export interface VirtualFileHandle {
  /** Up to `length` bytes starting at `position`; fewer (or none) at the end of the file. */
  read(length: number, position: number): Promise<Uint8Array>;
  /** Writes all of `data` at `position` and returns the number of bytes written. */
  write(data: Uint8Array, position: number): Promise<number>;
  stat(): Promise<VirtualStat>;
  truncate(length: number): Promise<void>;
  /** Flushes to storage (fsync); may do nothing for a memory-backed file. */
  sync?(): Promise<void>;
  close(): Promise<void>;

  readSync?(length: number, position: number): Uint8Array;
  writeSync?(data: Uint8Array, position: number): number;
  statSync?(): VirtualStat;
  truncateSync?(length: number): void;
  syncSync?(): void;
  closeSync?(): void;
}

/**
 * A filesystem the sandbox sees. Paths are absolute POSIX paths with `.` and `..`
 * already resolved. Errors carry a Node-style `code` (`ENOENT`, `EEXIST`, ...).
 *
 * The first twelve async methods are the specification's contract and are required.
 * The rest are what Node's `fs` needs beyond them; each is optional, and a filesystem
 * without one gets the behaviour of a filesystem without that feature: `lstat` and
 * `realpath` answer as if there were no symbolic links, `access` checks existence,
 * `appendFile`, `copyFile`, `truncate` and file handles (`open`) are carried out with
 * `readFile`/`writeFile`, and `symlink`, `link`, `chmod` and `utimes` fail with `ENOSYS`.
 *
 * Each `*Sync` counterpart is optional too and, when present, serves the guest's
 * synchronous fs API in-process. A filesystem with only async methods (backed by S3 or
 * SQLite, say) serves every callback and promise API; a synchronous guest call over it
 * fails with `ERR_SANDBOX_SYNC_UNAVAILABLE`, naming worker mode.
 */
export interface VirtualFileSystem {
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): Promise<string[]>;
  readDirWithTypes(path: string): Promise<VirtualDirEntry[]>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  createDir(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<VirtualStat>;
  removeFile(path: string): Promise<void>;
  removeDir(path: string): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;

  /** Like `stat`, but describes a symbolic link itself rather than its target. */
  lstat?(path: string): Promise<VirtualStat>;
  /** Creates `linkPath` pointing at `target` (stored as given). */
  symlink?(target: string, linkPath: string): Promise<void>;
  readlink?(path: string): Promise<string>;
  /** The path with every symbolic link resolved. */
  realpath?(path: string): Promise<string>;
  /** A hard link: `newPath` names the same file as `existingPath`. */
  link?(existingPath: string, newPath: string): Promise<void>;
  /** Sets the permission bits (`mode & 0o7777`). */
  chmod?(path: string, mode: number): Promise<void>;
  /** Sets access and modification times, in seconds since the epoch (fractions allowed). */
  utimes?(path: string, atime: number, mtime: number): Promise<void>;
  truncate?(path: string, length: number): Promise<void>;
  /** Appends to a file, creating it when missing (its directory must exist). */
  appendFile?(path: string, data: Uint8Array | string): Promise<void>;
  /** Copies a file's bytes; with `exclusive`, fails with `EEXIST` when `dest` exists. */
  copyFile?(src: string, dest: string, options?: { exclusive?: boolean }): Promise<void>;
  /** Fails (`ENOENT`, `EACCES`) unless the file exists and allows `mode` (R_OK 4, W_OK 2, X_OK 1; 0 = exists). */
  access?(path: string, mode?: number): Promise<void>;
  /** Opens a file; `mode` sets the permission bits of a file it creates. */
  open?(path: string, flags: VirtualOpenFlags, mode?: number): Promise<VirtualFileHandle>;

  readFileSync?(path: string): Uint8Array;
  readTextFileSync?(path: string): string;
  readDirSync?(path: string): string[];
  readDirWithTypesSync?(path: string): VirtualDirEntry[];
  writeFileSync?(path: string, data: Uint8Array | string): void;
  createDirSync?(path: string): void;
  mkdirSync?(path: string, options?: { recursive?: boolean }): void;
  existsSync?(path: string): boolean;
  statSync?(path: string): VirtualStat;
  removeFileSync?(path: string): void;
  removeDirSync?(path: string): void;
  renameSync?(oldPath: string, newPath: string): void;
  lstatSync?(path: string): VirtualStat;
  symlinkSync?(target: string, linkPath: string): void;
  readlinkSync?(path: string): string;
  realpathSync?(path: string): string;
  linkSync?(existingPath: string, newPath: string): void;
  chmodSync?(path: string, mode: number): void;
  utimesSync?(path: string, atime: number, mtime: number): void;
  truncateSync?(path: string, length: number): void;
  appendFileSync?(path: string, data: Uint8Array | string): void;
  copyFileSync?(src: string, dest: string, options?: { exclusive?: boolean }): void;
  accessSync?(path: string, mode?: number): void;
  openSync?(path: string, flags: VirtualOpenFlags, mode?: number): VirtualFileHandle;
}

export interface ModuleAccessOptions {
  /** Absolute path used to resolve node_modules. Defaults to process.cwd(). */
  cwd?: string;
}

// ---------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------

/**
 * A body crossing the adapter: all bytes at once, or a stream of chunks. The sandbox
 * pulls a streamed response body only as fast as the guest reads it, so a slow reader
 * holds back the server rather than filling host memory.
 */
export type NetworkBody = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * One HTTP exchange as the sandbox hands it to the adapter. Redirects are never followed
 * by the adapter: the guest's fetch sends each hop as a new request, which passes the
 * permission callback (and the default adapter's SSRF checks) again.
 */
export interface NetworkFetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: NetworkBody;
  /** Fires when the guest aborts, the request times out or the exec ends. */
  signal?: AbortSignal;
}

export interface NetworkFetchResponse {
  status: number;
  statusText: string;
  url: string;
  headers: Record<string, string>;
  /** Header lines as received, `[name, value, name, value, ...]` (keeps repeated `set-cookie`). */
  rawHeaders?: string[];
  body: NetworkBody;
  redirected?: boolean;
}

/** A request of Node's `http`/`https` client: headers may repeat, nothing is decoded. */
export interface NetworkHttpRequest {
  url: string;
  method: string;
  headers: Record<string, string | string[]>;
  body?: NetworkBody;
  signal?: AbortSignal;
}

export interface NetworkHttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  /** Header lines as received, `[name, value, name, value, ...]`. */
  rawHeaders: string[];
  body: NetworkBody;
}

export interface NetworkDnsLookupOptions {
  /** 4 or 6 for one address family; 0 (the default) for both. */
  family?: 0 | 4 | 6;
}

export interface NetworkDnsAddress {
  address: string;
  family: 4 | 6;
}

/** A request that reached a guest server (see `NetworkAdapter.listen`). */
export interface NetworkServerRequest {
  method: string;
  /** The request target as sent (`/path?query`). */
  url: string;
  rawHeaders: string[];
  httpVersion: string;
  body: AsyncIterable<Uint8Array>;
  /** The client's address, as the guest's `req.socket.remoteAddress` reports it. */
  remoteAddress: string;
  remotePort: number;
  /** Optional: aborts when the client's connection closes before the response is complete. */
  signal?: AbortSignal;
}

/** How the guest answers one request: head first, then the body in chunks. */
export interface NetworkServerResponder {
  writeHead(status: number, statusText: string, rawHeaders: string[]): void;
  write(chunk: Uint8Array): Promise<void>;
  end(): void;
  /** Ends the exchange abruptly (the guest destroyed the response or failed). */
  destroy(): void;
}

/**
 * A guest server to bind. The sandbox always asks for `host: "127.0.0.1"` (the sandbox's
 * machine has only loopback, whatever address the guest named) and `port` 0 for any free
 * port; the permission callback has already allowed `{ op: "listen", hostname, port }`.
 */
export interface NetworkListenOptions {
  port: number;
  /** Interface to bind; the default adapter binds 127.0.0.1 only and refuses anything else. */
  host?: string;
  /**
   * Called for each request. The sandbox queues it for the guest (bounded by
   * `maxPendingServerRequests`) and answers through `respond`; the body is pulled only
   * as fast as the guest reads it.
   */
  onRequest(request: NetworkServerRequest, respond: NetworkServerResponder): void;
}

export interface NetworkServer {
  /** The address actually bound, and the port (the real one when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** Stops listening and drops every connection. The sandbox calls it once every exchange is over, or when the exec ends. */
  close(): Promise<void>;
}

/**
 * What the sandbox's network APIs use on the host. `fetch` serves the guest's global
 * fetch (and `http`/`https` when there is no `httpRequest`); `dnsLookup` serves
 * `dns.lookup` and `dns.resolve4/6`; `listen` serves `http.createServer().listen()`.
 * A missing method makes its guest API fail with a clear error. Every call has passed the
 * `network` permission callback first.
 */
export interface NetworkAdapter {
  fetch(request: NetworkFetchRequest): Promise<NetworkFetchResponse>;
  dnsLookup?(hostname: string, options?: NetworkDnsLookupOptions): Promise<NetworkDnsAddress[]>;
  httpRequest?(request: NetworkHttpRequest): Promise<NetworkHttpResponse>;
  listen?(options: NetworkListenOptions): Promise<NetworkServer>;
  /** How many requests one exec may have open at once (default 16). */
  readonly maxConcurrentRequests?: number;
  /** Requests one guest server holds at once, queued or being answered (default 64); beyond it the client gets 503. */
  readonly maxPendingServerRequests?: number;
  /** Largest request body a guest server accepts, in bytes (default 16 MiB); beyond it the client gets 413. */
  readonly maxServerRequestBodyBytes?: number;
}

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

export interface SpawnedProcess {
  writeStdin(data: Uint8Array | string): void;
  closeStdin(): void;
  /** Sends a signal (its number, e.g. 15 for SIGTERM; default SIGTERM). */
  kill(signal?: number): void;
  /** Resolves with the exit code once the process has exited and its output is delivered. */
  wait(): Promise<number>;
  /**
   * Optional: after `wait()` settles, the name of the signal that ended the process
   * (`"SIGTERM"`), or null. Without it the guest sees a signal only when it sent one
   * itself and the exit code is 128 + that signal's number.
   */
  exitSignal?(): string | null;
  /**
   * Optional: after `wait()` settles, true when the executor's own time limit ended the
   * process; the guest's `spawnSync`/`execSync` then report `ETIMEDOUT`, as Node does.
   */
  timedOut?(): boolean;
}

/** What `CommandExecutor.spawn` receives besides the command and its arguments. */
export interface CommandSpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  onStdout?: (data: Uint8Array) => void;
  onStderr?: (data: Uint8Array) => void;
}

/** What `CommandExecutor.spawnSync` receives besides the command and its arguments. */
export interface CommandSpawnSyncOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Bytes written to the child's stdin (then closed). */
  input?: Uint8Array;
  /** Largest stdout or stderr in bytes; the child is killed beyond it. */
  maxBuffer: number;
  timeoutMs?: number;
  killSignal?: string;
}

export interface CommandSpawnSyncResult {
  /** Exit code, or null when a signal ended the process. */
  status: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Why the process did not run or was cut short (`ENOENT`, `ETIMEDOUT`, `ENOBUFS`, ...). */
  error?: { code: string };
}

export interface CommandExecutor {
  spawn(command: string, args: string[], options: CommandSpawnOptions): SpawnedProcess;
  /**
   * Optional: runs a command to completion synchronously. It serves the guest's
   * `spawnSync`/`execSync`/`execFileSync` in-process; without it those fail with
   * `ERR_SANDBOX_SYNC_UNAVAILABLE` (the async APIs still work).
   */
  spawnSync?(command: string, args: string[], options: CommandSpawnSyncOptions): CommandSpawnSyncResult;
}

// ---------------------------------------------------------------------------
// Process and OS
// ---------------------------------------------------------------------------

export interface ProcessConfig {
  cwd?: string;
  env?: Record<string, string>;
  argv?: string[];
  execPath?: string;
  pid?: number;
  ppid?: number;
  uid?: number;
  gid?: number;
  platform?: string;
  arch?: string;
  version?: string;
  versions?: Record<string, string>;
  stdin?: string;
}

export interface OSConfig {
  platform?: string;
  arch?: string;
  type?: string;
  release?: string;
  version?: string;
  homedir?: string;
  tmpdir?: string;
  hostname?: string;
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

export interface NodeDriverOptions {
  filesystem?: VirtualFileSystem;
  /**
   * The read-only overlay of the host's `node_modules` at `/root/node_modules`, laid over
   * whichever filesystem the driver uses (the given one or the built-in one). `false`
   * turns it off: the filesystem is used as given, `/root/node_modules` included.
   */
  moduleAccess?: ModuleAccessOptions | false;
  networkAdapter?: NetworkAdapter;
  commandExecutor?: CommandExecutor;
  permissions?: PermissionsInput;
  useDefaultNetwork?: boolean;
  loopbackExemptPorts?: number[];
  processConfig?: ProcessConfig;
  osConfig?: OSConfig;
}

/** What `createNodeDriver` returns and `NodeRuntime` consumes. Values are validated copies. */
export interface SystemDriver {
  readonly kind: "node";
  readonly filesystem: VirtualFileSystem;
  readonly networkAdapter?: NetworkAdapter;
  readonly commandExecutor?: CommandExecutor;
  readonly permissions: Readonly<Permissions>;
  /** Whether the built-in network adapter serves the sandbox when no `networkAdapter` is given. */
  readonly useDefaultNetwork: boolean;
  /** The overlay's options, or `false` when the driver was asked for no overlay. */
  readonly moduleAccess: Readonly<ModuleAccessOptions> | false;
  readonly loopbackExemptPorts: readonly number[];
  readonly processConfig: Readonly<ProcessConfig>;
  readonly osConfig: Readonly<OSConfig>;
}
