/**
 * The `os` builtin. Every value comes from the `os.info` op (the driver's `osConfig`
 * over neutral defaults) or the sandbox's own process, never from the host machine:
 * one virtual CPU, no network interfaces, memory = the sandbox's limit.
 */
import { callOp } from "../_lib/host.js";
import { notSupported } from "../_lib/errors.js";
import { validateInteger } from "../_lib/validators.js";

interface OsInfo {
  platform: string;
  arch: string;
  type: string;
  release: string;
  version: string;
  homedir: string;
  tmpdir: string;
  hostname: string;
  totalmem: number;
  freemem: number;
}

const info = () => callOp("os.info") as OsInfo;
const proc = () => (globalThis as any).process;
const env = (name: string): string | undefined => proc().env[name];

/** Node's constant tables are null-prototype objects. */
const record = <T extends object>(o: T): T => Object.assign(Object.create(null), o);

/** Decodes "K:v,K:v" into a constant table (kept compact in the source). */
function table(spec: string): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const pair of spec.split(",")) {
    const [k, v] = pair.split(":");
    out[k!] = Number(v);
  }
  return out;
}

// Linux x64 values, the platform the sandbox presents.
const constants = record({
  UV_UDP_REUSEADDR: 4,
  dlopen: record({ RTLD_LAZY: 1, RTLD_NOW: 2, RTLD_GLOBAL: 256, RTLD_LOCAL: 0, RTLD_DEEPBIND: 8 }),
  errno: table(
    "E2BIG:7,EACCES:13,EADDRINUSE:98,EADDRNOTAVAIL:99,EAFNOSUPPORT:97,EAGAIN:11,EALREADY:114,EBADF:9,EBADMSG:74,EBUSY:16,ECANCELED:125,ECHILD:10,ECONNABORTED:103,ECONNREFUSED:111,ECONNRESET:104,EDEADLK:35,EDESTADDRREQ:89,EDOM:33,EDQUOT:122,EEXIST:17,EFAULT:14,EFBIG:27,EHOSTUNREACH:113,EIDRM:43,EILSEQ:84,EINPROGRESS:115,EINTR:4,EINVAL:22,EIO:5,EISCONN:106,EISDIR:21,ELOOP:40,EMFILE:24,EMLINK:31,EMSGSIZE:90,EMULTIHOP:72,ENAMETOOLONG:36,ENETDOWN:100,ENETRESET:102,ENETUNREACH:101,ENFILE:23,ENOBUFS:105,ENODATA:61,ENODEV:19,ENOENT:2,ENOEXEC:8,ENOLCK:37,ENOLINK:67,ENOMEM:12,ENOMSG:42,ENOPROTOOPT:92,ENOSPC:28,ENOSR:63,ENOSTR:60,ENOSYS:38,ENOTCONN:107,ENOTDIR:20,ENOTEMPTY:39,ENOTSOCK:88,ENOTSUP:95,ENOTTY:25,ENXIO:6,EOPNOTSUPP:95,EOVERFLOW:75,EPERM:1,EPIPE:32,EPROTO:71,EPROTONOSUPPORT:93,EPROTOTYPE:91,ERANGE:34,EROFS:30,ESPIPE:29,ESRCH:3,ESTALE:116,ETIME:62,ETIMEDOUT:110,ETXTBSY:26,EWOULDBLOCK:11,EXDEV:18",
  ),
  signals: table(
    "SIGHUP:1,SIGINT:2,SIGQUIT:3,SIGILL:4,SIGTRAP:5,SIGABRT:6,SIGIOT:6,SIGBUS:7,SIGFPE:8,SIGKILL:9,SIGUSR1:10,SIGSEGV:11,SIGUSR2:12,SIGPIPE:13,SIGALRM:14,SIGTERM:15,SIGCHLD:17,SIGSTKFLT:16,SIGCONT:18,SIGSTOP:19,SIGTSTP:20,SIGTTIN:21,SIGTTOU:22,SIGURG:23,SIGXCPU:24,SIGXFSZ:25,SIGVTALRM:26,SIGPROF:27,SIGWINCH:28,SIGIO:29,SIGPOLL:29,SIGPWR:30,SIGSYS:31",
  ),
  priority: record({ PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7, PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20 }),
});

const MACHINES: Record<string, string> = { x64: "x86_64", arm64: "aarch64", arm: "armv7l", ia32: "i686", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

const os = {
  arch: () => info().arch,
  availableParallelism: () => 1,
  cpus: () => [{ model: "quicksand virtual cpu", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }],
  endianness: () => "LE" as const,
  freemem: () => info().freemem,
  getPriority(pid?: unknown): number {
    if (pid !== undefined) validateInteger(pid, "pid");
    return 0;
  },
  /** Node reads $HOME first, then the passwd entry (here: osConfig.homedir). */
  homedir: () => env("HOME") || info().homedir,
  hostname: () => info().hostname,
  loadavg: () => [0, 0, 0],
  networkInterfaces: () => ({}),
  platform: () => info().platform,
  release: () => info().release,
  setPriority(): never {
    throw notSupported("os.setPriority()");
  },
  /** Node reads $TMPDIR, $TMP, $TEMP first; a trailing slash is dropped. */
  tmpdir(): string {
    let path = env("TMPDIR") || env("TMP") || env("TEMP") || info().tmpdir;
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    return path;
  },
  totalmem: () => info().totalmem,
  type: () => info().type,
  userInfo(options?: { encoding?: string }) {
    const uid = proc().getuid() as number;
    const homedir = info().homedir;
    const user = { uid, gid: proc().getgid() as number, username: uid === 0 ? "root" : "user", homedir, shell: "/bin/sh" };
    if (options?.encoding === "buffer") {
      const { Buffer } = (globalThis as any);
      return { ...user, username: Buffer.from(user.username), homedir: Buffer.from(homedir), shell: Buffer.from(user.shell) };
    }
    return Object.assign(Object.create(null), user);
  },
  uptime: () => Math.floor(proc().uptime()),
  version: () => info().version,
  machine: () => MACHINES[info().arch] ?? info().arch,
  constants,
  EOL: "\n",
  devNull: "/dev/null",
};

export default os;
