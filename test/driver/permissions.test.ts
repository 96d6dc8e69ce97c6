import { describe, expect, it } from "vitest";
import {
  allowAll,
  allowAllChildProcess,
  allowAllEnv,
  allowAllFs,
  allowAllNetwork,
  checkPermission,
  normalizePermissions,
} from "../../src/driver/permissions";
import type { FsAccessRequest, PermissionDecision, Permissions } from "../../src/driver/types";

const readTmp: FsAccessRequest = { op: "read", path: "/tmp/a.txt" };

describe("allow-all helpers", () => {
  it("hold one callback each under their own key", () => {
    expect(Object.keys(allowAllFs)).toEqual(["fs"]);
    expect(Object.keys(allowAllNetwork)).toEqual(["network"]);
    expect(Object.keys(allowAllChildProcess)).toEqual(["childProcess"]);
    expect(Object.keys(allowAllEnv)).toEqual(["env"]);
    expect(Object.keys(allowAll)).toEqual(["fs", "network", "childProcess", "env"]);
  });

  it("are frozen so one host cannot weaken them for another", () => {
    for (const helper of [allowAllFs, allowAllNetwork, allowAllChildProcess, allowAllEnv, allowAll]) {
      expect(Object.isFrozen(helper)).toBe(true);
    }
  });

  it("allow requests when spread into permissions", () => {
    const perms = normalizePermissions({ ...allowAllFs, ...allowAllNetwork });
    expect(Object.keys(perms)).toEqual(["fs", "network"]);
    expect(checkPermission(perms, "fs", readTmp)).toEqual({ allow: true });
    expect(checkPermission(perms, "network", { op: "fetch", url: "https://a.example/" })).toEqual({ allow: true });
    expect(checkPermission(perms, "env", { op: "read", key: "HOME" })).toEqual({
      allow: false,
      reason: "no env permission callback configured",
    });
  });

  it("allow requests when passed as the value of their key", () => {
    const perms = normalizePermissions({
      fs: allowAllFs,
      network: allowAllNetwork,
      childProcess: allowAllChildProcess,
      env: allowAllEnv,
    });
    expect(typeof perms.fs).toBe("function");
    expect(checkPermission(perms, "fs", readTmp)).toEqual({ allow: true });
    expect(checkPermission(perms, "network", { op: "dns", hostname: "a.example" })).toEqual({ allow: true });
    expect(checkPermission(perms, "childProcess", { command: "ls", args: [] })).toEqual({ allow: true });
    expect(checkPermission(perms, "env", { op: "write", key: "A", value: "1" })).toEqual({ allow: true });
  });

  it("allowAll allows every kind", () => {
    const perms = normalizePermissions(allowAll);
    expect(checkPermission(perms, "fs", { op: "rm", path: "/" })).toEqual({ allow: true });
    expect(checkPermission(perms, "network", { op: "listen", port: 80 })).toEqual({ allow: true });
    expect(checkPermission(perms, "childProcess", { command: "rm", args: ["-rf", "/"] })).toEqual({ allow: true });
    expect(checkPermission(perms, "env", { op: "read", key: "PATH" })).toEqual({ allow: true });
  });
});

describe("normalizePermissions", () => {
  it("returns a frozen empty object for undefined, which denies everything", () => {
    const perms = normalizePermissions(undefined);
    expect(perms).toEqual({});
    expect(Object.isFrozen(perms)).toBe(true);
    expect(checkPermission(perms, "fs", readTmp)).toEqual({
      allow: false,
      reason: "no fs permission callback configured",
    });
  });

  it("returns a fresh frozen object holding only the callbacks", () => {
    const fs = () => true;
    const input: Permissions = { fs, network: undefined };
    const perms = normalizePermissions(input);
    expect(perms).not.toBe(input);
    expect(Object.isFrozen(perms)).toBe(true);
    expect(Object.keys(perms)).toEqual(["fs"]);
    expect(perms.fs).toBe(fs);
  });

  it("is not affected by later changes to the input", () => {
    const input: Permissions = { fs: () => true };
    const perms = normalizePermissions(input);
    input.fs = () => false;
    input.env = () => true;
    expect(checkPermission(perms, "fs", readTmp)).toEqual({ allow: true });
    expect(perms.env).toBeUndefined();
  });

  it("rejects a value that is not an object", () => {
    expect(() => normalizePermissions("all")).toThrow(
      new TypeError("permissions must be an object of permission callbacks, got string"),
    );
    expect(() => normalizePermissions(null)).toThrow(
      new TypeError("permissions must be an object of permission callbacks, got null"),
    );
    expect(() => normalizePermissions([])).toThrow(
      new TypeError("permissions must be an object of permission callbacks, got array"),
    );
  });

  it("rejects an unknown key and lists the valid ones", () => {
    expect(() => normalizePermissions({ filesystem: () => true })).toThrow(
      new TypeError('permissions has an unknown key "filesystem"; valid keys are fs, network, childProcess, env'),
    );
  });

  it("rejects a callback value of the wrong type, naming the key and its helper", () => {
    expect(() => normalizePermissions({ fs: "yes" })).toThrow(
      new TypeError("permissions.fs must be a function or a permission helper such as allowAllFs, got string"),
    );
    expect(() => normalizePermissions({ network: true })).toThrow(
      new TypeError(
        "permissions.network must be a function or a permission helper such as allowAllNetwork, got boolean",
      ),
    );
    expect(() => normalizePermissions({ childProcess: null })).toThrow(
      new TypeError(
        "permissions.childProcess must be a function or a permission helper such as allowAllChildProcess, got null",
      ),
    );
  });

  it("rejects a helper of the wrong kind", () => {
    expect(() => normalizePermissions({ env: allowAllFs })).toThrow(
      new TypeError(
        "permissions.env must be a function or a permission helper such as allowAllEnv, got object with no env function",
      ),
    );
  });
});

describe("checkPermission", () => {
  it("passes the request to the callback and returns its decision", () => {
    const seen: FsAccessRequest[] = [];
    const perms = normalizePermissions({
      fs: (request: FsAccessRequest): PermissionDecision => {
        seen.push(request);
        if (request.path.startsWith("/tmp")) return { allow: true };
        return { allow: false, reason: "Only /tmp is writable" };
      },
    });
    expect(checkPermission(perms, "fs", readTmp)).toEqual({ allow: true });
    expect(checkPermission(perms, "fs", { op: "write", path: "/etc/passwd" })).toEqual({
      allow: false,
      reason: "Only /tmp is writable",
    });
    expect(seen).toEqual([readTmp, { op: "write", path: "/etc/passwd" }]);
  });

  it("accepts a bare boolean", () => {
    expect(checkPermission({ fs: () => true }, "fs", readTmp)).toEqual({ allow: true });
    expect(checkPermission({ fs: () => false }, "fs", readTmp)).toEqual({ allow: false });
  });

  it("returns a frozen decision that is not the callback's object", () => {
    const answer = { allow: true, reason: "ok", extra: 1 };
    const decision = checkPermission({ fs: () => answer }, "fs", readTmp);
    expect(decision).toEqual({ allow: true, reason: "ok" });
    expect(decision).not.toBe(answer);
    expect(Object.isFrozen(decision)).toBe(true);
  });

  it("denies when the callback throws, and says so", () => {
    const perms: Permissions = {
      fs: () => {
        throw new Error("boom");
      },
    };
    expect(checkPermission(perms, "fs", readTmp)).toEqual({
      allow: false,
      reason: "fs permission callback threw: boom",
    });
  });

  it("denies when the callback throws a non-Error value", () => {
    const perms: Permissions = {
      env: () => {
        throw "nope";
      },
    };
    expect(checkPermission(perms, "env", { op: "read", key: "A" })).toEqual({
      allow: false,
      reason: "env permission callback threw: nope",
    });
  });

  it("denies an answer that is neither a boolean nor a decision", () => {
    const prefix =
      "fs permission callback returned an invalid decision (expected a boolean or { allow: boolean, reason?: string }): ";
    const check = (answer: unknown) => checkPermission({ fs: () => answer as boolean }, "fs", readTmp);
    expect(check(undefined)).toEqual({ allow: false, reason: `${prefix}got undefined` });
    expect(check("yes")).toEqual({ allow: false, reason: `${prefix}got string` });
    expect(check(1)).toEqual({ allow: false, reason: `${prefix}got number` });
    expect(check({ allow: "yes" })).toEqual({ allow: false, reason: `${prefix}allow is string` });
    expect(check({ allow: 1 })).toEqual({ allow: false, reason: `${prefix}allow is number` });
    expect(check({ allow: true, reason: 5 })).toEqual({ allow: false, reason: `${prefix}reason is number` });
  });

  it("denies a decision whose getter throws", () => {
    const answer = {
      get allow(): boolean {
        throw new Error("trap");
      },
    };
    expect(checkPermission({ fs: () => answer }, "fs", readTmp)).toEqual({
      allow: false,
      reason:
        "fs permission callback returned an invalid decision (expected a boolean or { allow: boolean, reason?: string }): inspecting it threw: trap",
    });
  });

  it("reads a decision's allow once, so a getter cannot answer differently later", () => {
    let reads = 0;
    const answer = {
      get allow(): boolean {
        reads += 1;
        return reads === 1;
      },
    };
    const decision = checkPermission({ fs: () => answer }, "fs", readTmp);
    expect(decision).toEqual({ allow: true });
    expect(reads).toBe(1);
  });

  it("returns a promise when the callback is async", async () => {
    const perms: Permissions = { network: async (request) => request.hostname === "api.example.com" };
    const allowed = checkPermission(perms, "network", { op: "fetch", hostname: "api.example.com" });
    const denied = checkPermission(perms, "network", { op: "fetch", hostname: "evil.example" });
    expect(allowed).toBeInstanceOf(Promise);
    expect(await allowed).toEqual({ allow: true });
    expect(await denied).toEqual({ allow: false });
  });

  it("normalizes an async decision object", async () => {
    const perms: Permissions = { fs: async () => ({ allow: false, reason: "later" }) };
    expect(await checkPermission(perms, "fs", readTmp)).toEqual({ allow: false, reason: "later" });
  });

  it("resolves to a denial when the callback's promise rejects", async () => {
    const perms: Permissions = { fs: () => Promise.reject(new Error("offline")) };
    const decision = checkPermission(perms, "fs", readTmp);
    expect(decision).toBeInstanceOf(Promise);
    expect(await decision).toEqual({ allow: false, reason: "fs permission callback rejected: offline" });
  });

  it("resolves to a denial when an async callback answers garbage", async () => {
    const perms = { fs: async () => "yes" } as unknown as Permissions;
    expect(await checkPermission(perms, "fs", readTmp)).toEqual({
      allow: false,
      reason:
        "fs permission callback returned an invalid decision (expected a boolean or { allow: boolean, reason?: string }): got string",
    });
  });

  it("treats a thenable as async", async () => {
    const thenable = { then: (resolve: (value: boolean) => void) => resolve(true) };
    const perms = { fs: () => thenable } as unknown as Permissions;
    const decision = checkPermission(perms, "fs", readTmp);
    expect(decision).toBeInstanceOf(Promise);
    expect(await decision).toEqual({ allow: true });
  });

  it("passes the callback a frozen copy of the request", () => {
    const request = { command: "ls", args: ["-l"], env: { A: "1" } };
    let received: unknown;
    const perms: Permissions = {
      childProcess: (req) => {
        received = req;
        expect(() => {
          (req as { command: string }).command = "rm";
        }).toThrow(TypeError);
        expect(() => req.args.push("-rf")).toThrow(TypeError);
        expect(() => {
          (req.env as Record<string, string>).A = "2";
        }).toThrow(TypeError);
        return true;
      },
    };
    expect(checkPermission(perms, "childProcess", request)).toEqual({ allow: true });
    expect(received).not.toBe(request);
    expect(received).toEqual(request);
    expect(Object.isFrozen(received)).toBe(true);
    expect(request).toEqual({ command: "ls", args: ["-l"], env: { A: "1" } });
    expect(Object.isFrozen(request)).toBe(false);
  });

  it("keeps a __proto__ key in a request's env as plain data", () => {
    const env = JSON.parse('{"__proto__": "x", "A": "1"}') as Record<string, string>;
    let received: Record<string, string> | undefined;
    checkPermission(
      {
        childProcess: (req) => {
          received = req.env;
          return true;
        },
      },
      "childProcess",
      { command: "ls", args: [], env },
    );
    expect(Object.keys(received ?? {})).toEqual(["__proto__", "A"]);
    expect(Object.getPrototypeOf(received)).toBe(Object.prototype);
  });

  it("denies a kind whose callback is missing or not a function", () => {
    expect(checkPermission({}, "childProcess", { command: "ls", args: [] })).toEqual({
      allow: false,
      reason: "no childProcess permission callback configured",
    });
    const perms = { network: "yes" } as unknown as Permissions;
    expect(checkPermission(perms, "network", { op: "fetch" })).toEqual({
      allow: false,
      reason: "no network permission callback configured",
    });
  });
});
