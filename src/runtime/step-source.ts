/**
 * The source a session step runs as. A step is a global script, so its declarations stay
 * for the next step. QuickJS has no top-level await in scripts, so code that only
 * compiles with it runs as an async function: as one expression when it is one (its
 * value is the step's value), else as statements, whose declarations then stay local to
 * the step (assign to globalThis to keep them). `import`/`export` statements cannot run
 * in a script: such a step throws a SyntaxError that says what to use instead.
 */
export function stepSource(code: string, compiles: (source: string) => boolean): string {
  const source = code.startsWith("#!") ? "//" + code.slice(2) : code;
  if (/^\s*(import\s*[\w{*"']|export\s)/m.test(source) && !compiles(source)) {
    const message = "import and export statements are not available in a session step (it runs as a script): use require() or await import()";
    return `throw new SyntaxError(${JSON.stringify(message)})`;
  }
  if (/\bawait\b/.test(source) && !compiles(source)) {
    const expression = `(async () => (${source.replace(/;\s*$/, "")}\n))()`;
    return compiles(expression) ? expression : `(async () => {${source}\n})()`;
  }
  return source;
}
