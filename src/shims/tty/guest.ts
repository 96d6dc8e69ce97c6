/**
 * The `tty` builtin. The sandbox has no terminal: every descriptor answers `isatty`
 * false (so `process.stdout.isTTY` is undefined and colour stays off, as with a pipe),
 * and the ReadStream/WriteStream constructors, which need a terminal, refuse clearly.
 */
import { nodeError } from "../_lib/errors.js";

function isatty(fd: unknown): boolean {
  void fd;
  return false;
}

const noTerminal = (what: string) =>
  nodeError("ERR_SANDBOX_NOT_SUPPORTED", `tty.${what} is not supported in the quicksand sandbox: it has no terminal (isatty() is false for every fd)`);

class ReadStream {
  constructor() {
    throw noTerminal("ReadStream");
  }
}
class WriteStream {
  constructor() {
    throw noTerminal("WriteStream");
  }
}

export default { isatty, ReadStream, WriteStream };
