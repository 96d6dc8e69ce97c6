/** undici's Client module on its own (see exchange.ts for why not undici's index). */
declare module "undici/lib/dispatcher/client.js" {
  import type { Client } from "undici";
  const ClientClass: typeof Client;
  export default ClientClass;
}
