/**
 * AssertionError with Node 20's messages: the "+ actual - expected" line diff for
 * strictEqual/deepStrictEqual (same collapsing of identical lines, same 12-character
 * short form, same `^` indicator under 80 columns), and the single-value forms for the
 * "not" operators. The sandbox's stderr is never a TTY, so there are never colours.
 */
import { inspect } from "../_lib/inspect.js";

const kMaxShortLength = 12;
const READABLE: Record<string, string> = {
  deepStrictEqual: "Expected values to be strictly deep-equal:",
  strictEqual: "Expected values to be strictly equal:",
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: "Expected values to be loosely deep-equal:",
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: "Values have same structure but are not reference-equal:",
  notDeepEqualUnequal: "Expected values not to be loosely deep-equal:",
};

export function inspectValue(v: unknown): string {
  return inspect(v, { compact: false, customInspect: false, depth: 1000, maxArrayLength: Infinity, showHidden: false, sorted: true, getters: true });
}

/** The diff message; Node 20 puts a custom message in place of the header line. */
function createErrDiff(actual: unknown, expected: unknown, operator: string, custom?: string): string {
  let other = "";
  let res = "";
  let end = "";
  let skipped = false;
  const actualInspected = inspectValue(actual);
  const actualLines = actualInspected.split("\n");
  const expectedLines = inspectValue(expected).split("\n");
  let i = 0;
  let indicator = "";

  if (operator === "strictEqual" && ((typeof actual === "object" && actual !== null && typeof expected === "object" && expected !== null) || (typeof actual === "function" && typeof expected === "function"))) {
    operator = "strictEqualObject";
  }

  if (actualLines.length === 1 && expectedLines.length === 1 && actualLines[0] !== expectedLines[0]) {
    const actualRaw = actualLines[0]!;
    const expectedRaw = expectedLines[0]!;
    const inputLength = actualRaw.length + expectedRaw.length;
    if (inputLength <= kMaxShortLength) {
      if ((typeof actual !== "object" || actual === null) && (typeof expected !== "object" || expected === null) && (actual !== 0 || expected !== 0)) {
        return `${custom ?? READABLE[operator]}\n\n${actualLines[0]} !== ${expectedLines[0]}\n`;
      }
    } else if (operator !== "strictEqualObject" && inputLength < 80) {
      while (actualRaw[i] === expectedRaw[i]) i++;
      // A caret under the first difference, unless it is within the first characters.
      if (i > 2) {
        indicator = `\n  ${" ".repeat(i)}^`;
        i = 0;
      }
    }
  }

  // Identical trailing lines are dropped (at most three kept) to shorten the diff.
  let a = actualLines[actualLines.length - 1];
  let b = expectedLines[expectedLines.length - 1];
  while (a === b) {
    if (i++ < 3) end = `\n  ${a}${end}`;
    else other = a!;
    actualLines.pop();
    expectedLines.pop();
    if (actualLines.length === 0 || expectedLines.length === 0) break;
    a = actualLines[actualLines.length - 1];
    b = expectedLines[expectedLines.length - 1];
  }

  const maxLines = Math.max(actualLines.length, expectedLines.length);
  if (maxLines === 0) {
    const lines = actualInspected.split("\n");
    if (lines.length > 50) {
      lines[46] = "...";
      while (lines.length > 47) lines.pop();
    }
    return `${custom ?? READABLE.notIdentical}\n\n${lines.join("\n")}\n`;
  }

  if (i >= 5) {
    end = `\n...${end}`;
    skipped = true;
  }
  if (other !== "") {
    end = `\n  ${other}${end}`;
    other = "";
  }

  let printedLines = 0;
  let identical = 0;
  const msg = `${custom ?? READABLE[operator]}\n+ actual - expected`;
  const skippedMsg = " ... Lines skipped";

  let lines = actualLines;
  let plusMinus = "+";
  let maxLength = expectedLines.length;
  if (actualLines.length < maxLines) {
    lines = expectedLines;
    plusMinus = "-";
    maxLength = actualLines.length;
  }

  /** Prints up to three identical lines before a change (collapsing longer runs to "..."). */
  const flushIdentical = (from: string[]) => {
    if (identical > 2) {
      if (identical > 3) {
        if (identical > 4) {
          if (identical === 5) {
            res += `\n  ${from[i - 3]}`;
            printedLines++;
          } else {
            res += "\n...";
            skipped = true;
          }
        }
        res += `\n  ${from[i - 2]}`;
        printedLines++;
      }
      res += `\n  ${from[i - 1]}`;
      printedLines++;
    }
    identical = 0;
  };

  for (i = 0; i < maxLines; i++) {
    if (maxLength < i + 1) {
      flushIdentical(lines);
      if (lines === actualLines) res += `\n${plusMinus} ${lines[i]}`;
      else other += `\n${plusMinus} ${lines[i]}`;
      printedLines++;
    } else {
      const expectedLine = expectedLines[i]!;
      let actualLine = actualLines[i]!;
      let diverging = actualLine !== expectedLine && (!actualLine.endsWith(",") || actualLine.slice(0, -1) !== expectedLine);
      if (diverging && expectedLine.endsWith(",") && expectedLine.slice(0, -1) === actualLine) {
        diverging = false;
        actualLine += ",";
      }
      if (diverging) {
        flushIdentical(actualLines);
        res += `\n+ ${actualLine}`;
        other += `\n- ${expectedLine}`;
        printedLines += 2;
      } else {
        res += other;
        other = "";
        identical++;
        if (identical <= 2) {
          res += `\n  ${actualLine}`;
          printedLines++;
        }
      }
    }
    if (printedLines > 50 && i < maxLines - 2) {
      return `${msg}${skippedMsg}\n${res}\n...${other}\n...`;
    }
  }
  return `${msg}${skipped ? skippedMsg : ""}\n${res}${other}${end}${indicator}`;
}

function addEllipsis(s: string): string {
  const lines = s.split("\n", 11);
  if (lines.length > 10) {
    lines.length = 10;
    return `${lines.join("\n")}\n...`;
  }
  if (s.length > 512) return `${s.slice(512)}...`;
  return s;
}

function copyError(source: Error): Error {
  const target = Object.assign(Object.create(Object.getPrototypeOf(source)), source);
  Object.defineProperty(target, "message", { value: source.message });
  return target;
}

export interface AssertionErrorOptions {
  message?: unknown;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
  stackStartFn?: unknown;
  stackStartFunction?: unknown;
}

export class AssertionError extends Error {
  generatedMessage: boolean;
  code: "ERR_ASSERTION";
  actual: unknown;
  expected: unknown;
  operator: string | undefined;

  constructor(options: AssertionErrorOptions) {
    if (options === null || typeof options !== "object") {
      const e = new TypeError(`The "options" argument must be of type object. Received ${options === null ? "null" : `type ${typeof options} (${String(options)})`}`);
      (e as Error & { code: string }).code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    const { message, operator } = options;
    let { actual, expected } = options;
    let text: string;
    if (message != null) text = operator === "deepStrictEqual" || operator === "strictEqual" ? createErrDiff(actual, expected, operator, String(message)) : String(message);
    else {
      if (actual instanceof Error && expected instanceof Error && "stack" in actual && "stack" in expected) {
        actual = copyError(actual);
        expected = copyError(expected);
      }
      if (operator === "deepStrictEqual" || operator === "strictEqual") text = createErrDiff(actual, expected, operator);
      else if (operator === "notDeepStrictEqual" || operator === "notStrictEqual") {
        let base = READABLE[operator]!;
        const res = inspectValue(actual).split("\n");
        if (operator === "notStrictEqual" && ((typeof actual === "object" && actual !== null) || typeof actual === "function")) base = READABLE.notStrictEqualObject!;
        if (res.length > 50) {
          res[46] = "...";
          while (res.length > 47) res.pop();
        }
        text = res.length === 1 ? `${base}${res[0]!.length > 5 ? "\n\n" : " "}${res[0]}` : `${base}\n\n${res.join("\n")}\n`;
      } else {
        let res = inspectValue(actual);
        let other = inspectValue(expected);
        const known = READABLE[operator ?? ""];
        if (operator === "notDeepEqual" && res === other) {
          res = `${known}\n\n${res}`;
          if (res.length > 1024) res = `${res.slice(0, 1021)}...`;
          text = res;
        } else {
          if (res.length > 512) res = `${res.slice(0, 509)}...`;
          if (other.length > 512) other = `${other.slice(0, 509)}...`;
          if (operator === "deepEqual") res = `${known}\n\n${res}\n\nshould loosely deep-equal\n\n`;
          else {
            const newOp = READABLE[`${operator}Unequal`];
            if (newOp) res = `${newOp}\n\n${res}\n\nshould not loosely deep-equal\n\n`;
            else other = ` ${operator} ${other}`;
          }
          text = `${res}${other}`;
        }
      }
    }
    super(text);
    this.generatedMessage = message == null;
    this.code = "ERR_ASSERTION";
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    // Node's stack and toString name the code; `name` itself is plain "AssertionError".
    Object.defineProperty(this, "name", { value: "AssertionError", enumerable: false, writable: true, configurable: true });
    // The frames of assert itself are dropped, as Node's stackStartFn does.
    const frames = (typeof this.stack === "string" ? this.stack : "").replace(/^(\s*at [^\n]*\(node:internal\/assert[^\n]*\n)+/, "");
    Object.defineProperty(this, "stack", {
      value: `AssertionError [ERR_ASSERTION]: ${text}${frames ? "\n" + frames.replace(/\n$/, "") : ""}`,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](_depth: number, ctx: object): string {
    const tmpActual = this.actual;
    const tmpExpected = this.expected;
    if (typeof this.actual === "string") this.actual = addEllipsis(this.actual);
    if (typeof this.expected === "string") this.expected = addEllipsis(this.expected);
    const result = inspect(this, { ...ctx, customInspect: false, depth: 0 });
    this.actual = tmpActual;
    this.expected = tmpExpected;
    return result;
  }
}
