/**
 * Guest path handling shared by host ops. A guest path is resolved here exactly once,
 * against the exec's cwd, and that one string is what the permission callback sees and
 * what the op then uses.
 */

/** Resolves a guest path against the guest cwd and collapses `.`/`..` (POSIX rules, never above `/`). */
export function resolveGuestPath(cwd: string, p: string): string {
  const abs = p.startsWith("/") ? p : `${cwd}/${p}`;
  const out: string[] = [];
  for (const seg of abs.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

/** The directory part of a normalized absolute guest path (`/` for `/` itself). */
export function guestDirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** Joins a normalized absolute directory and one name. */
export function guestJoin(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
