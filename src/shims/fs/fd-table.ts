/**
 * The guest's file descriptors: per exec, a small table from numbers to open files. The
 * guest only ever holds the number; the handle, the checked path and the file position
 * stay on the host. Descriptors 0, 1 and 2 are the exec's stdin, stdout and stderr.
 */
import type { VirtualFileHandle, VirtualOpenFlags } from "../../driver/types.js";
import type { ExecState } from "../../runtime/bridge/op.js";
import { OpError } from "../../runtime/bridge/op-error.js";

/** Open files one exec may hold at once (a guard against descriptor floods). */
export const MAX_OPEN_FILES = 1024;
const FIRST_FD = 3;

export interface OpenFile {
  /** The normalized guest path the open was granted for. */
  readonly path: string;
  readonly flags: VirtualOpenFlags;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  /** The backend's handle; absent when the backend has no `open` (path-based emulation). */
  readonly handle: VirtualFileHandle | undefined;
  /** Where the next read or write without a position happens. */
  position: number;
}

export class FdTable {
  readonly #files = new Map<number, OpenFile>();
  #next = FIRST_FD;

  add(file: OpenFile): number {
    if (this.#files.size >= MAX_OPEN_FILES) throw OpError.system("EMFILE", "too many open files", "open", file.path);
    while (this.#files.has(this.#next)) this.#next++;
    const fd = this.#next++;
    this.#files.set(fd, file);
    return fd;
  }

  get(fd: number, syscall: string): OpenFile {
    const file = this.#files.get(fd);
    if (!file) throw OpError.system("EBADF", "bad file descriptor", syscall);
    return file;
  }

  /** Removes a descriptor; the number is free again, lowest first as POSIX hands them out. */
  remove(fd: number): void {
    this.#files.delete(fd);
    if (fd < this.#next) this.#next = fd;
  }

  /** Every handle still open, for closing when the exec is gone. */
  handles(): VirtualFileHandle[] {
    return [...this.#files.values()].flatMap((f) => (f.handle ? [f.handle] : []));
  }
}

const tables = new WeakMap<ExecState, FdTable>();

/**
 * Handles a guest left open are closed when its exec state is collected, so a script that
 * never calls close() cannot keep host descriptors alive for long.
 */
const reaper = new FinalizationRegistry<FdTable>((table) => {
  for (const handle of table.handles()) {
    try {
      if (typeof handle.closeSync === "function") handle.closeSync();
      else void Promise.resolve(handle.close()).catch(() => {});
    } catch {
      // Already closed, or the backend is gone: nothing left to release.
    }
  }
});

export function fdTable(exec: ExecState): FdTable {
  let table = tables.get(exec);
  if (!table) {
    table = new FdTable();
    tables.set(exec, table);
    reaper.register(exec, table);
  }
  return table;
}
