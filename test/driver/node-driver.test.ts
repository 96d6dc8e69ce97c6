import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createInMemoryFileSystem } from "../../src/driver/in-memory-fs";
import { ModuleAccessFileSystem } from "../../src/driver/module-access-fs";
import { createNodeDriver } from "../../src/driver/node-driver";
import {
  allowAll,
  allowAllEnv,
  allowAllFs,
  allowAllNetwork,
  checkPermission,
} from "../../src/driver/permissions";
import type {
  ChildProcessAccessRequest,
  CommandExecutor,
  EnvAccessRequest,
  FsAccessRequest,
  NetworkAccessRequest,
  NetworkAdapter,
  NodeDriverOptions,
  PermissionDecision,
  PermissionsInput,
  SpawnedProcess,
  VirtualFileSystem,
} from "../../src/driver/types";

const fakeAdapter: NetworkAdapter = {
  fetch: async (request) => ({ status: 200, statusText: "OK", url: request.url, headers: {}, body: new Uint8Array() }),
  dnsLookup: async () => [{ address: "127.0.0.1", family: 4 }],
};

const fakeProcess: SpawnedProcess = {
  writeStdin: () => {},
  closeStdin: () => {},
  kill: () => {},
  wait: async () => 0,
};

const fakeExecutor: CommandExecutor = { spawn: () => fakeProcess };

/** Calls createNodeDriver with a value the types would not allow. */
function createWith(options: unknown) {
  return () => createNodeDriver(options as NodeDriverOptions);
}

describe("createNodeDriver with no options", () => {
  const driver = createNodeDriver();

  it("gives an in-memory filesystem with sync methods", () => {
    expect(driver.kind).toBe("node");
    driver.filesystem.writeFileSync?.("/a.txt", "a");
    expect(driver.filesystem.readTextFileSync?.("/a.txt")).toBe("a");
  });

  it("gives a fresh filesystem to each driver", async () => {
    await createNodeDriver().filesystem.writeFile("/x", "x");
    expect(await createNodeDriver().filesystem.exists("/x")).toBe(false);
  });

  it("denies every permission", () => {
    expect(driver.permissions).toEqual({});
    expect(checkPermission(driver.permissions, "fs", { op: "read", path: "/a.txt" })).toEqual({
      allow: false,
      reason: "no fs permission callback configured",
    });
  });

  it("has no network adapter, no command executor and empty configs", () => {
    expect("networkAdapter" in driver).toBe(false);
    expect("commandExecutor" in driver).toBe(false);
    expect(driver.useDefaultNetwork).toBe(false);
    expect(driver.loopbackExemptPorts).toEqual([]);
    expect(driver.processConfig).toEqual({});
    expect(driver.osConfig).toEqual({});
    expect(driver.moduleAccess).toEqual({});
  });

  it("is frozen, and so are its configs", () => {
    expect(Object.isFrozen(driver)).toBe(true);
    for (const part of [
      driver.permissions,
      driver.loopbackExemptPorts,
      driver.processConfig,
      driver.osConfig,
      driver.moduleAccess,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
  });

  it("treats an empty object and undefined values like no options", () => {
    const driver = createNodeDriver({ processConfig: undefined, permissions: undefined });
    expect(driver.processConfig).toEqual({});
    expect(driver.permissions).toEqual({});
  });
});

describe("createNodeDriver with the seed's examples", () => {
  it("configures capabilities with helper values and a process config", () => {
    const driver = createNodeDriver({
      useDefaultNetwork: true,
      permissions: {
        fs: allowAllFs,
        network: allowAllNetwork,
      },
      processConfig: {
        cwd: "/app",
        env: { NODE_ENV: "production" },
      },
    });
    expect(driver.useDefaultNetwork).toBe(true);
    expect(Object.keys(driver.permissions)).toEqual(["fs", "network"]);
    expect(checkPermission(driver.permissions, "fs", { op: "write", path: "/etc/x" })).toEqual({ allow: true });
    expect(checkPermission(driver.permissions, "network", { op: "fetch", url: "https://a.example" })).toEqual({
      allow: true,
    });
    expect(checkPermission(driver.permissions, "env", { op: "read", key: "NODE_ENV" })).toEqual({
      allow: false,
      reason: "no env permission callback configured",
    });
    expect(driver.processConfig).toEqual({ cwd: "/app", env: { NODE_ENV: "production" } });
  });

  it("uses function-based permissions", () => {
    const driver = createNodeDriver({
      permissions: {
        fs: (request: FsAccessRequest): PermissionDecision => {
          if (request.path.startsWith("/tmp")) return { allow: true };
          return { allow: false, reason: "Only /tmp is writable" };
        },
        network: (request: NetworkAccessRequest): PermissionDecision => {
          if (request.hostname === "api.example.com") return { allow: true };
          return { allow: false };
        },
        childProcess: (request: ChildProcessAccessRequest): PermissionDecision => {
          if (request.command === "ls") return { allow: true };
          return { allow: false, reason: `Blocked command: ${request.command}` };
        },
        env: (request: EnvAccessRequest): PermissionDecision => {
          if (["NODE_ENV", "PATH"].includes(request.key)) return { allow: true };
          return { allow: false };
        },
      },
    });
    const { permissions } = driver;
    expect(checkPermission(permissions, "fs", { op: "write", path: "/tmp/a" })).toEqual({ allow: true });
    expect(checkPermission(permissions, "fs", { op: "write", path: "/etc/a" })).toEqual({
      allow: false,
      reason: "Only /tmp is writable",
    });
    expect(checkPermission(permissions, "network", { op: "dns", hostname: "api.example.com" })).toEqual({
      allow: true,
    });
    expect(checkPermission(permissions, "network", { op: "dns", hostname: "b.example" })).toEqual({ allow: false });
    expect(checkPermission(permissions, "childProcess", { command: "rm", args: [] })).toEqual({
      allow: false,
      reason: "Blocked command: rm",
    });
    expect(checkPermission(permissions, "env", { op: "read", key: "PATH" })).toEqual({ allow: true });
  });

  it("accepts spread helpers and allowAll", () => {
    const driver = createNodeDriver({ permissions: { ...allowAllFs, ...allowAllNetwork } });
    expect(Object.keys(driver.permissions)).toEqual(["fs", "network"]);
    const permissive = createNodeDriver({ permissions: allowAll });
    expect(Object.keys(permissive.permissions)).toEqual(["fs", "network", "childProcess", "env"]);
    expect(checkPermission(permissive.permissions, "childProcess", { command: "sh", args: [] })).toEqual({
      allow: true,
    });
  });

  it("lays the node_modules overlay over a supplied filesystem", async () => {
    const fs = createInMemoryFileSystem();
    await fs.writeFile("/app/data.json", '{"key": "value"}');
    const driver = createNodeDriver({ filesystem: fs });
    expect(driver.filesystem).toBeInstanceOf(ModuleAccessFileSystem);
    expect(await driver.filesystem.readTextFile("/app/data.json")).toBe('{"key": "value"}');
    expect(JSON.parse(await driver.filesystem.readTextFile("/root/node_modules/semver/package.json")).name).toBe("semver");
    await driver.filesystem.writeFile("/app/out.txt", "x");
    expect(await fs.readTextFile("/app/out.txt")).toBe("x");
  });

  it("uses a supplied filesystem as is with moduleAccess: false", async () => {
    const fs = createInMemoryFileSystem();
    const driver = createNodeDriver({ filesystem: fs, moduleAccess: false });
    expect(driver.filesystem).toBe(fs);
    expect(driver.moduleAccess).toBe(false);
    expect(await driver.filesystem.exists("/root/node_modules")).toBe(false);
  });

  it("does not wrap a ModuleAccessFileSystem twice", () => {
    const fs = new ModuleAccessFileSystem(createInMemoryFileSystem());
    expect(createNodeDriver({ filesystem: fs }).filesystem).toBe(fs);
  });

  it("accepts a module access cwd", () => {
    const driver = createNodeDriver({ moduleAccess: { cwd: "/path/to/your/project" } });
    expect(driver.moduleAccess).toEqual({ cwd: "/path/to/your/project" });
  });

  it("accepts a Windows module access cwd, since it is a host path", () => {
    expect(createNodeDriver({ moduleAccess: { cwd: "C:\\work\\project" } }).moduleAccess).toEqual({
      cwd: "C:\\work\\project",
    });
  });

  it("accepts the seed's command executor with a childProcess permission", () => {
    const commandExecutor: CommandExecutor = {
      spawn(command, args, options) {
        const proc = spawn(command, args, {
          cwd: options.cwd,
          env: options.env,
        });
        proc.stdout?.on("data", (chunk) => options.onStdout?.(chunk));
        proc.stderr?.on("data", (chunk) => options.onStderr?.(chunk));

        return {
          writeStdin: (data) => proc.stdin?.write(data),
          closeStdin: () => proc.stdin?.end(),
          kill: (signal) => proc.kill(signal),
          wait: () => new Promise((resolve) => proc.on("close", (code) => resolve(code ?? 1))),
        };
      },
    };
    const driver = createNodeDriver({
      commandExecutor,
      permissions: {
        childProcess: (req) => {
          if (req.command === "node") return { allow: true };
          return { allow: false };
        },
      },
    });
    expect(driver.commandExecutor).toBe(commandExecutor);
    expect(checkPermission(driver.permissions, "childProcess", { command: "node", args: [] })).toEqual({
      allow: true,
    });
  });

  it("keeps process and os configuration", () => {
    const driver = createNodeDriver({
      processConfig: {
        cwd: "/app",
        env: { NODE_ENV: "production", API_KEY: "sk-..." },
      },
      osConfig: {
        platform: "linux",
        arch: "x64",
      },
    });
    expect(driver.processConfig).toEqual({ cwd: "/app", env: { NODE_ENV: "production", API_KEY: "sk-..." } });
    expect(driver.osConfig).toEqual({ platform: "linux", arch: "x64" });
  });
});

describe("createNodeDriver copies what it is given", () => {
  it("keeps every process and os field", () => {
    const driver = createNodeDriver({
      processConfig: {
        cwd: "/",
        env: {},
        argv: ["node", "/app/main.js"],
        execPath: "/usr/bin/node",
        pid: 1,
        ppid: 0,
        uid: 1000,
        gid: 1000,
        platform: "linux",
        arch: "arm64",
        version: "v20.0.0",
        versions: { node: "20.0.0" },
        stdin: "input",
      },
      osConfig: {
        platform: "linux",
        arch: "x64",
        type: "Linux",
        release: "6.0.0",
        version: "#1 SMP",
        homedir: "/home/user",
        tmpdir: "/tmp",
        hostname: "sandbox",
      },
      networkAdapter: fakeAdapter,
      loopbackExemptPorts: [3000, 8080],
    });
    expect(driver.processConfig).toEqual({
      cwd: "/",
      env: {},
      argv: ["node", "/app/main.js"],
      execPath: "/usr/bin/node",
      pid: 1,
      ppid: 0,
      uid: 1000,
      gid: 1000,
      platform: "linux",
      arch: "arm64",
      version: "v20.0.0",
      versions: { node: "20.0.0" },
      stdin: "input",
    });
    expect(driver.osConfig).toEqual({
      platform: "linux",
      arch: "x64",
      type: "Linux",
      release: "6.0.0",
      version: "#1 SMP",
      homedir: "/home/user",
      tmpdir: "/tmp",
      hostname: "sandbox",
    });
    expect(driver.networkAdapter).toBe(fakeAdapter);
    expect(driver.loopbackExemptPorts).toEqual([3000, 8080]);
  });

  it("is not changed by later changes to the options object", () => {
    const options = {
      permissions: { fs: allowAllFs } as PermissionsInput,
      loopbackExemptPorts: [3000],
      processConfig: { cwd: "/app", env: { A: "1" }, argv: ["node"], versions: { node: "20" } },
      osConfig: { hostname: "box" },
      moduleAccess: { cwd: "/project" },
    };
    const driver = createNodeDriver(options);
    Object.assign(options.permissions, allowAllEnv);
    options.loopbackExemptPorts.push(4000);
    options.processConfig.cwd = "/other";
    options.processConfig.env.A = "2";
    options.processConfig.argv.push("--inspect");
    options.processConfig.versions.node = "99";
    options.osConfig.hostname = "other";
    options.moduleAccess.cwd = "/elsewhere";
    expect(Object.keys(driver.permissions)).toEqual(["fs"]);
    expect(driver.loopbackExemptPorts).toEqual([3000]);
    expect(driver.processConfig).toEqual({
      cwd: "/app",
      env: { A: "1" },
      argv: ["node"],
      versions: { node: "20" },
    });
    expect(driver.osConfig).toEqual({ hostname: "box" });
    expect(driver.moduleAccess).toEqual({ cwd: "/project" });
  });

  it("freezes nested env, argv and versions", () => {
    const { processConfig } = createNodeDriver({
      processConfig: { env: { A: "1" }, argv: ["node"], versions: { node: "20" } },
    });
    expect(Object.isFrozen(processConfig.env)).toBe(true);
    expect(Object.isFrozen(processConfig.argv)).toBe(true);
    expect(Object.isFrozen(processConfig.versions)).toBe(true);
  });

  it("keeps an env key named __proto__ as an ordinary variable", () => {
    const env = JSON.parse('{"__proto__": "x", "B": "2"}') as Record<string, string>;
    const driver = createNodeDriver({ processConfig: { env } });
    expect(Object.keys(driver.processConfig.env ?? {})).toEqual(["__proto__", "B"]);
    expect(Object.getPrototypeOf(driver.processConfig.env)).toBe(Object.prototype);
  });

  it("reads each option once", () => {
    let reads = 0;
    const options = {
      get processConfig() {
        reads += 1;
        return reads === 1 ? { cwd: "/app" } : { cwd: 5 };
      },
    };
    expect(createNodeDriver(options as NodeDriverOptions).processConfig).toEqual({ cwd: "/app" });
    expect(reads).toBe(1);
  });

  it("accepts a filesystem whose methods live on a class prototype", () => {
    class Delegating implements VirtualFileSystem {
      private readonly inner = createInMemoryFileSystem();
      readFile(path: string) { return this.inner.readFile(path); }
      readTextFile(path: string) { return this.inner.readTextFile(path); }
      readDir(path: string) { return this.inner.readDir(path); }
      readDirWithTypes(path: string) { return this.inner.readDirWithTypes(path); }
      writeFile(path: string, data: Uint8Array | string) { return this.inner.writeFile(path, data); }
      createDir(path: string) { return this.inner.createDir(path); }
      mkdir(path: string, options?: { recursive?: boolean }) { return this.inner.mkdir(path, options); }
      exists(path: string) { return this.inner.exists(path); }
      stat(path: string) { return this.inner.stat(path); }
      removeFile(path: string) { return this.inner.removeFile(path); }
      removeDir(path: string) { return this.inner.removeDir(path); }
      rename(from: string, to: string) { return this.inner.rename(from, to); }
    }
    const fs = new Delegating();
    expect(createNodeDriver({ filesystem: fs, moduleAccess: false }).filesystem).toBe(fs);
    // The overlay offers what the filesystem offers: no synchronous methods here.
    const overlaid = createNodeDriver({ filesystem: fs }).filesystem;
    expect(overlaid.readFileSync).toBeUndefined();
    expect(overlaid.lstat).toBeTypeOf("function");
    expect(overlaid.symlink).toBeUndefined();
  });
});

describe("createNodeDriver validation", () => {
  // toThrow with an error instance checks both the class and the exact message.
  const reject = (options: unknown, message: string) => {
    expect(createWith(options)).toThrow(new TypeError(message));
  };

  it("rejects options that are not an object", () => {
    reject("fast", "createNodeDriver: options must be an object, got string");
    reject(null, "createNodeDriver: options must be an object, got null");
    reject([], "createNodeDriver: options must be an object, got array");
  });

  it("rejects an unknown option and lists the valid ones", () => {
    reject(
      { fileSystem: createInMemoryFileSystem() },
      'createNodeDriver: unknown option "fileSystem"; valid options are filesystem, moduleAccess, networkAdapter, commandExecutor, permissions, useDefaultNetwork, loopbackExemptPorts, processConfig, osConfig',
    );
  });

  it("rejects a filesystem that is not a VirtualFileSystem", () => {
    reject({ filesystem: "/tmp" }, "createNodeDriver: filesystem must be a VirtualFileSystem object, got string");
    const { readFile: _readFile, stat: _stat, ...partial } = createInMemoryFileSystem();
    reject(
      { filesystem: partial },
      "createNodeDriver: filesystem must implement VirtualFileSystem; missing methods: readFile, stat",
    );
    reject(
      { filesystem: { ...createInMemoryFileSystem(), readFileSync: true } },
      "createNodeDriver: filesystem.readFileSync must be a function when present, got boolean",
    );
  });

  it("rejects a bad moduleAccess", () => {
    reject({ moduleAccess: "/p" }, "createNodeDriver: moduleAccess must be an object, got string");
    reject(
      { moduleAccess: { cwd: "project" } },
      'createNodeDriver: moduleAccess.cwd must be an absolute path string, got "project"',
    );
    reject({ moduleAccess: { cwd: 1 } }, "createNodeDriver: moduleAccess.cwd must be an absolute path string, got number");
    reject(
      { moduleAccess: { root: "/p" } },
      'createNodeDriver: moduleAccess has an unknown key "root"; valid keys are cwd',
    );
  });

  it("rejects a network adapter without fetch", () => {
    reject({ networkAdapter: () => {} }, "createNodeDriver: networkAdapter must be an object with a fetch method, got function");
    reject({ networkAdapter: {} }, "createNodeDriver: networkAdapter.fetch must be a function, got undefined");
    reject(
      { networkAdapter: { fetch: fakeAdapter.fetch, dnsLookup: "8.8.8.8" } },
      "createNodeDriver: networkAdapter.dnsLookup must be a function when present, got string",
    );
  });

  it("accepts a network adapter with only fetch", () => {
    const adapter = { fetch: fakeAdapter.fetch };
    expect(createWith({ networkAdapter: adapter })().networkAdapter).toBe(adapter);
  });

  it("rejects a command executor without spawn", () => {
    reject({ commandExecutor: 1 }, "createNodeDriver: commandExecutor must be an object with a spawn method, got number");
    reject({ commandExecutor: { exec: () => {} } }, "createNodeDriver: commandExecutor.spawn must be a function, got undefined");
    expect(createNodeDriver({ commandExecutor: fakeExecutor }).commandExecutor).toBe(fakeExecutor);
  });

  it("rejects bad permissions, naming the option path", () => {
    reject({ permissions: true }, "createNodeDriver: permissions must be an object of permission callbacks, got boolean");
    reject(
      { permissions: { fs: "yes" } },
      "createNodeDriver: permissions.fs must be a function or a permission helper such as allowAllFs, got string",
    );
    reject(
      { permissions: { net: allowAllNetwork } },
      'createNodeDriver: permissions has an unknown key "net"; valid keys are fs, network, childProcess, env',
    );
  });

  it("rejects a useDefaultNetwork that is not a boolean", () => {
    reject({ useDefaultNetwork: "yes" }, "createNodeDriver: useDefaultNetwork must be a boolean, got string");
  });

  it("installs the default network adapter for useDefaultNetwork", () => {
    const driver = createNodeDriver({ useDefaultNetwork: true });
    expect(driver.useDefaultNetwork).toBe(true);
    expect(typeof driver.networkAdapter?.fetch).toBe("function");
    expect(typeof driver.networkAdapter?.httpRequest).toBe("function");
  });

  it("rejects loopback ports that are not integers from 1 to 65535", () => {
    reject({ loopbackExemptPorts: 3000 }, "createNodeDriver: loopbackExemptPorts must be an array of port numbers, got number");
    reject({ loopbackExemptPorts: [80, 0] }, "createNodeDriver: loopbackExemptPorts[1] must be an integer from 1 to 65535, got 0");
    reject({ loopbackExemptPorts: [70000] }, "createNodeDriver: loopbackExemptPorts[0] must be an integer from 1 to 65535, got 70000");
    reject({ loopbackExemptPorts: [80.5] }, "createNodeDriver: loopbackExemptPorts[0] must be an integer from 1 to 65535, got 80.5");
    reject({ loopbackExemptPorts: ["80"] }, "createNodeDriver: loopbackExemptPorts[0] must be an integer from 1 to 65535, got string");
    reject({ loopbackExemptPorts: [NaN] }, "createNodeDriver: loopbackExemptPorts[0] must be an integer from 1 to 65535, got NaN");
  });

  it("rejects a processConfig that is not an object or has an unknown key", () => {
    reject({ processConfig: "/app" }, "createNodeDriver: processConfig must be an object, got string");
    reject(
      { processConfig: { cwdd: "/app" } },
      'createNodeDriver: processConfig has an unknown key "cwdd"; valid keys are cwd, env, argv, platform, arch, version, execPath, stdin, pid, ppid, uid, gid, versions',
    );
  });

  it("rejects a processConfig.cwd that is not an absolute path", () => {
    reject({ processConfig: { cwd: "app" } }, 'createNodeDriver: processConfig.cwd must be an absolute path string, got "app"');
    reject({ processConfig: { cwd: 5 } }, "createNodeDriver: processConfig.cwd must be an absolute path string, got number");
    reject(
      { processConfig: { cwd: "C:\\app" } },
      'createNodeDriver: processConfig.cwd must be an absolute path string, got "C:\\\\app"',
    );
  });

  it("rejects a processConfig.env that is not a record of strings", () => {
    reject({ processConfig: { env: ["A=1"] } }, "createNodeDriver: processConfig.env must be an object of string values, got array");
    reject({ processConfig: { env: { PORT: 3000 } } }, "createNodeDriver: processConfig.env.PORT must be a string, got number");
    reject(
      { processConfig: { env: { "my-var": undefined } } },
      'createNodeDriver: processConfig.env["my-var"] must be a string, got undefined',
    );
  });

  it("rejects a processConfig.argv that is not an array of strings", () => {
    reject({ processConfig: { argv: "node main.js" } }, "createNodeDriver: processConfig.argv must be an array of strings, got string");
    reject({ processConfig: { argv: ["node", 1] } }, "createNodeDriver: processConfig.argv[1] must be a string, got number");
  });

  it("rejects process ids that are not non-negative integers", () => {
    reject({ processConfig: { pid: -1 } }, "createNodeDriver: processConfig.pid must be a non-negative integer, got -1");
    reject({ processConfig: { ppid: 1.5 } }, "createNodeDriver: processConfig.ppid must be a non-negative integer, got 1.5");
    reject({ processConfig: { uid: "0" } }, "createNodeDriver: processConfig.uid must be a non-negative integer, got string");
    reject({ processConfig: { gid: Infinity } }, "createNodeDriver: processConfig.gid must be a non-negative integer, got Infinity");
  });

  it("rejects process string fields and versions of the wrong type", () => {
    reject({ processConfig: { platform: 1 } }, "createNodeDriver: processConfig.platform must be a string, got number");
    reject({ processConfig: { arch: null } }, "createNodeDriver: processConfig.arch must be a string, got null");
    reject({ processConfig: { version: 20 } }, "createNodeDriver: processConfig.version must be a string, got number");
    reject({ processConfig: { execPath: {} } }, "createNodeDriver: processConfig.execPath must be a string, got object");
    reject({ processConfig: { stdin: new Uint8Array() } }, "createNodeDriver: processConfig.stdin must be a string, got object");
    reject({ processConfig: { versions: "20" } }, "createNodeDriver: processConfig.versions must be an object of string values, got string");
    reject({ processConfig: { versions: { v8: 11 } } }, "createNodeDriver: processConfig.versions.v8 must be a string, got number");
  });

  it("rejects an osConfig that is not an object of strings", () => {
    reject({ osConfig: [] }, "createNodeDriver: osConfig must be an object, got array");
    reject({ osConfig: { arch: 64 } }, "createNodeDriver: osConfig.arch must be a string, got number");
    reject(
      { osConfig: { cpus: 4 } },
      'createNodeDriver: osConfig has an unknown key "cpus"; valid keys are platform, arch, type, release, version, homedir, tmpdir, hostname',
    );
  });
});
