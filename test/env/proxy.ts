// A local TCP proxy for failure tests: between a client and an engine (kube-apiserver, vcsim) on
// 127.0.0.1, it passes bytes through, or plays a hung peer: connections are accepted and nothing
// is ever answered (bytes from either side are dropped, so no TLS handshake or HTTP answer
// completes). Switching back to "pass" closes the connections that lost bytes (their streams are
// broken), so clients reconnect as they would after a real outage.
import { connect, createServer, type Server, type Socket } from "node:net";

export type ProxyMode = "pass" | "hang";

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  /** Connections accepted so far, and those accepted while hanging. */
  readonly stats: { accepted: number; acceptedWhileHung: number; dropped: number };
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  broken: boolean;
}

/** Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number, mode: ProxyMode = "pass"): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const stats = { accepted: 0, acceptedWhileHung: 0, dropped: 0 };
  const state = { mode };
  const forward = (p: Pair, from: Socket, to: () => Socket | undefined) =>
    from.on("data", (d: Buffer) => {
      if (state.mode === "hang" || p.broken) {
        p.broken = true;
        stats.dropped += d.length;
        return;
      }
      to()?.write(d);
    });
  const server: Server = createServer((client) => {
    stats.accepted++;
    const p: Pair = { client, broken: state.mode === "hang" };
    if (p.broken) stats.acceptedWhileHung++;
    pairs.add(p);
    const end = () => {
      pairs.delete(p);
      client.destroy();
      p.upstream?.destroy();
    };
    client.on("error", end).on("close", end);
    if (!p.broken) {
      p.upstream = connect(targetPort, "127.0.0.1");
      p.upstream.on("error", end).on("close", end);
      forward(p, p.upstream, () => client);
    }
    forward(p, client, () => p.upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("proxy: no address");
  const setMode = (m: ProxyMode) => {
    state.mode = m;
    if (m !== "pass") return;
    for (const p of [...pairs]) {
      if (!p.broken) continue;
      pairs.delete(p);
      p.client.destroy();
      p.upstream?.destroy();
    }
  };
  return {
    port: address.port,
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      setMode(m);
    },
    stats,
    setMode,
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream?.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
