/**
 * `util.parseArgs`, following Node's tokenizer: short option groups (`-abc`), inline
 * values (`-fVALUE`, `--foo=bar`), `--` as terminator, `allowNegative` (`--no-foo`),
 * defaults, `multiple`, and the same ERR_PARSE_ARGS_* errors in strict mode.
 */
import { describeReceived, invalidArgType, nodeError } from "../_lib/errors.js";

interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: unknown;
}
interface Config {
  args?: string[];
  options?: Record<string, OptionSpec>;
  strict?: boolean;
  allowPositionals?: boolean;
  allowNegative?: boolean;
  tokens?: boolean;
}
type Token =
  | { kind: "option"; name: string; rawName: string; index: number; value: string | undefined; inlineValue: boolean | undefined }
  | { kind: "positional"; index: number; value: string }
  | { kind: "option-terminator"; index: number };

const own = (o: Record<string, OptionSpec>, name: string, key: keyof OptionSpec) =>
  Object.prototype.hasOwnProperty.call(o, name) ? o[name]![key] : undefined;

function shortToLong(short: string, options: Record<string, OptionSpec>): string {
  for (const name of Object.keys(options)) if (options[name]!.short === short) return name;
  return short;
}

const isLoneShort = (a: string) => a.length === 2 && a[0] === "-" && a[1] !== "-";
const isLoneLong = (a: string) => a.length > 2 && a.startsWith("--") && !a.includes("=", 3);
const isLongWithValue = (a: string) => a.length > 2 && a.startsWith("--") && a.includes("=", 3);
const isShortGroup = (a: string, o: Record<string, OptionSpec>) =>
  a.length > 2 && a[0] === "-" && a[1] !== "-" && own(o, shortToLong(a[1]!, o), "type") !== "string";
const isShortWithValue = (a: string, o: Record<string, OptionSpec>) =>
  a.length > 2 && a[0] === "-" && a[1] !== "-" && own(o, shortToLong(a[1]!, o), "type") === "string";

function validateBool(v: unknown, name: string): void {
  if (v !== undefined && typeof v !== "boolean") throw invalidArgType(name, "of type boolean", v);
}

function tokenize(args: string[], options: Record<string, OptionSpec>): Token[] {
  const tokens: Token[] = [];
  let index = -1;
  let groupCount = 0;
  const rest = args.slice();
  while (rest.length > 0) {
    const arg = rest.shift()!;
    const next = rest[0];
    if (groupCount > 0) groupCount--;
    else index++;
    if (arg === "--") {
      tokens.push({ kind: "option-terminator", index });
      for (const a of rest) tokens.push({ kind: "positional", index: ++index, value: a });
      break;
    }
    if (isLoneShort(arg)) {
      const name = shortToLong(arg[1]!, options);
      let value: string | undefined;
      let inlineValue: boolean | undefined;
      if (own(options, name, "type") === "string" && next !== undefined) {
        value = rest.shift();
        inlineValue = false;
      }
      tokens.push({ kind: "option", name, rawName: arg, index, value, inlineValue });
      if (value !== undefined) index++;
      continue;
    }
    if (isShortGroup(arg, options)) {
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        const short = arg[i]!;
        if (own(options, shortToLong(short, options), "type") !== "string" || i === arg.length - 1) expanded.push(`-${short}`);
        else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      rest.unshift(...expanded);
      groupCount = expanded.length;
      continue;
    }
    if (isShortWithValue(arg, options)) {
      const name = shortToLong(arg[1]!, options);
      tokens.push({ kind: "option", name, rawName: `-${arg[1]}`, index, value: arg.slice(2), inlineValue: true });
      continue;
    }
    if (isLoneLong(arg)) {
      const name = arg.slice(2);
      let value: string | undefined;
      let inlineValue: boolean | undefined;
      if (own(options, name, "type") === "string" && next !== undefined) {
        value = rest.shift();
        inlineValue = false;
      }
      tokens.push({ kind: "option", name, rawName: arg, index, value, inlineValue });
      if (value !== undefined) index++;
      continue;
    }
    if (isLongWithValue(arg)) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq);
      tokens.push({ kind: "option", name, rawName: `--${name}`, index, value: arg.slice(eq + 1), inlineValue: true });
      continue;
    }
    tokens.push({ kind: "positional", index, value: arg });
  }
  return tokens;
}

const invalidValue = (message: string) => nodeError("ERR_PARSE_ARGS_INVALID_OPTION_VALUE", message, TypeError);

export function parseArgs(config: Config = {}): { values: Record<string, unknown>; positionals: string[]; tokens?: Token[] } {
  if (config === null || typeof config !== "object") throw invalidArgType("config", "of type object", config);
  const proc = (globalThis as { process?: { argv: string[] } }).process;
  const args = config.args ?? (proc ? proc.argv.slice(2) : []);
  const strict = config.strict ?? true;
  const allowPositionals = config.allowPositionals ?? !strict;
  const allowNegative = config.allowNegative ?? false;
  const returnTokens = config.tokens ?? false;
  const options = config.options ?? {};
  if (!Array.isArray(args)) throw invalidArgType("args", "an instance of Array", args);
  validateBool(config.strict, "strict");
  validateBool(config.allowPositionals, "allowPositionals");
  validateBool(config.allowNegative, "allowNegative");
  validateBool(config.tokens, "tokens");
  if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
  for (const name of Object.keys(options)) {
    const o = options[name];
    if (o === null || typeof o !== "object") throw invalidArgType(`options.${name}`, "of type object", o);
    if (o.type !== "string" && o.type !== "boolean") {
      // Node's own (odd) wording for this one.
      throw nodeError("ERR_INVALID_ARG_TYPE", `The "options.${name}.type" property must be ('string|boolean'). Received ${describeReceived(o.type)}`, TypeError);
    }
    if (o.short !== undefined) {
      if (typeof o.short !== "string") throw invalidArgType(`options.${name}.short`, "of type string", o.short);
      if (o.short.length !== 1) {
        throw nodeError("ERR_INVALID_ARG_VALUE", `The property 'options.${name}.short' must be a single character. Received '${o.short}'`, TypeError);
      }
    }
    validateBool(o.multiple, `options.${name}.multiple`);
  }

  const tokens = tokenize(args, options);
  const values: Record<string, unknown> = Object.create(null);
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "option") {
      let name = token.name;
      let value: unknown = token.value ?? true;
      if (allowNegative && name.startsWith("no-") && own(options, name.slice(3), "type") === "boolean") {
        name = name.slice(3);
        value = false;
      }
      if (strict) {
        if (!Object.prototype.hasOwnProperty.call(options, name)) {
          const hint = allowPositionals ? `. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- ${JSON.stringify(token.rawName)}` : "";
          throw nodeError("ERR_PARSE_ARGS_UNKNOWN_OPTION", `Unknown option '${token.rawName}'${hint}`, TypeError);
        }
        const short = own(options, name, "short");
        const both = `${short ? `-${short}, ` : ""}--${name}`;
        const type = own(options, name, "type");
        if (type === "string" && typeof token.value !== "string") throw invalidValue(`Option '${both} <value>' argument missing`);
        if (type === "boolean" && token.value !== undefined) throw invalidValue(`Option '${both}' does not take an argument`);
        if (token.inlineValue === false && token.value !== undefined && token.value.startsWith("-")) {
          const viaShort = token.rawName.length === 2 && token.rawName[1] !== "-";
          throw invalidValue(`Option '${token.rawName}' argument is ambiguous.\nDid you forget to specify the option argument for '${token.rawName}'?\nTo specify an option argument starting with a dash use '--${name}=-XYZ'${viaShort ? ` or '${token.rawName}-XYZ'` : ""}.`);
        }
      }
      if (name === "__proto__") continue;
      if (own(options, name, "multiple")) {
        const list = (values[name] ??= []) as unknown[];
        list.push(value);
      } else values[name] = value;
    } else if (token.kind === "positional") {
      if (!allowPositionals) {
        throw nodeError("ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL", `Unexpected argument '${token.value}'. This command does not take positional arguments`, TypeError);
      }
      positionals.push(token.value);
    }
  }
  for (const name of Object.keys(options)) {
    const d = options[name]!.default;
    if (d !== undefined && values[name] === undefined) values[name] = d;
  }
  const result: { values: Record<string, unknown>; positionals: string[]; tokens?: Token[] } = { values, positionals };
  if (returnTokens) result.tokens = tokens;
  return result;
}
