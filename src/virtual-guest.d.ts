/** Built by rollup from src/shims (see rollup.config.mjs): the guest code as source text. */
declare module "virtual:quicksand-guest" {
  export const bootstrapSource: string;
  /** Guest units by id: "quicksand:internal/<name>" or a builtin module name. */
  export const unitSources: Readonly<Record<string, string>>;
}
