/**
 * The global `Proxy`, wrapped so that the sandbox knows which objects are proxies:
 * QuickJS has no way to ask, and Node's `util.types.isProxy` and `inspect`'s
 * `showProxy` need to. Proxies are recorded (weakly) with their target and handler.
 * This is fidelity, not security: the host never relies on it.
 */
const RealProxy = (globalThis as Record<symbol, ProxyConstructor>)[Symbol.for("quicksand.Proxy")]!;
const details = new WeakMap<object, [object, object] | null>();

function Proxy(this: unknown, target: object, handler: ProxyHandler<object>): object {
  if (new.target === undefined) throw new TypeError("Constructor Proxy requires 'new'");
  const p = new RealProxy(target, handler);
  details.set(p, [target, handler]);
  return p;
}
Object.defineProperty(Proxy, "prototype", { value: undefined });
Object.defineProperty(Proxy, "revocable", {
  value: function revocable(target: object, handler: ProxyHandler<object>) {
    const r = RealProxy.revocable(target, handler);
    const p = r.proxy;
    details.set(p, [target, handler]);
    return {
      proxy: p,
      revoke: () => {
        details.set(p, null);
        r.revoke();
      },
    };
  },
  writable: true,
  configurable: true,
});

Object.defineProperty(globalThis, Symbol.for("quicksand.proxyDetails"), {
  value: (v: unknown) => (typeof v === "object" || typeof v === "function") && v !== null ? details.get(v) : undefined,
});

const exported = Proxy as unknown as ProxyConstructor;
export { exported as Proxy };
