/**
 * Loopback HTTP(S) servers for network tests: started on 127.0.0.1 or ::1 with port 0,
 * counting every TCP connection they accept, so a test can assert that a refused request
 * never reached them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface TestServer {
  port: number;
  host: string;
  /** "http://127.0.0.1:PORT" (or "http://[::1]:PORT"). */
  origin: string;
  connections: number;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function start(server: Server, host: string, scheme: string, handlerState: TestServer): Promise<TestServer> {
  server.on("connection", () => handlerState.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  handlerState.port = port;
  handlerState.host = host;
  handlerState.origin = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  handlerState.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return handlerState;
}

function wrap(state: TestServer, handler: Handler) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      state.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  };
}

function blank(): TestServer {
  return { port: 0, host: "", origin: "", connections: 0, requests: [], close: async () => {} };
}

export function startServer(handler: Handler, host = "127.0.0.1"): Promise<TestServer> {
  const state = blank();
  return start(createServer(wrap(state, handler)), host, "http", state);
}

export function startTlsServer(handler: Handler, tls: { key: string; cert: string }, host = "127.0.0.1"): Promise<TestServer> {
  const state = blank();
  return start(createTlsServer(tls, wrap(state, handler)), host, "https", state);
}
