/** Built by rollup from src/shims (see rollup.config.mjs): the guest code as source text. */
declare module "virtual:quicksand-guest" {
  /** Tier 0, parsed by every exec. */
  export const preludeSource: string;
  /** The rest of the bootstrap, parsed on first need. */
  export const bootstrapSource: string;
  /** Guest units by id: a builtin module name, "quicksand:internal/<folder>[/<file>]" or "quicksand:internal/<_lib file>". */
  export const unitSources: Readonly<Record<string, string>>;
}

/** Built by the quicksand-shim-manifests plugin (scripts/rollup-plugins.mjs) from src/shims. */
declare module "virtual:quicksand-shims" {
  /** The op list of every host half a builtin manifest names ("host"), by folder. */
  export const hostOps: readonly import("./runtime/bridge/op.js").Op[][];
}
