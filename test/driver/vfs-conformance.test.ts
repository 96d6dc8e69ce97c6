/** The shared VirtualFileSystem suite, run against each built-in filesystem. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInMemoryFileSystem } from "../../src/driver/in-memory-fs.js";
import { ModuleAccessFileSystem } from "../../src/driver/module-access-fs.js";
import { NodeFileSystem } from "../../src/driver/node-fs.js";
import { describeVfsConformance } from "./vfs-conformance.js";

describeVfsConformance("createInMemoryFileSystem", () => ({ fs: createInMemoryFileSystem(), base: "/" }));

describeVfsConformance("NodeFileSystem", () => {
  const root = mkdtempSync(join(tmpdir(), "quicksand-vfs-"));
  return { fs: new NodeFileSystem({ root }), base: "/", cleanup: () => rmSync(root, { recursive: true, force: true }) };
});

describeVfsConformance("ModuleAccessFileSystem (writable part)", () => {
  const project = mkdtempSync(join(tmpdir(), "quicksand-vfs-project-"));
  mkdirSync(join(project, "node_modules"));
  const fs = new ModuleAccessFileSystem(undefined, { cwd: project });
  fs.mkdirSync("/work");
  return {
    fs,
    base: "/work",
    cleanup: () => rmSync(project, { recursive: true, force: true }),
  };
});
