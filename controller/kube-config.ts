// The Kubernetes client configuration the flags describe: --kubeconfig (else in-cluster, else
// $KUBECONFIG), --master over its server, and --kube-api-qps/--kube-api-burst as a token bucket
// every request waits on, as client-go's rate limiter (only when --kube-api-qps is given: see
// docs/flags.md). --authentication-kubeconfig and --authorization-kubeconfig build their own.
import { PooledKubeConfig } from "./kube/client.js";
import type { Flags } from "./flags.js";

/** client-go's token bucket: `qps` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when the caller may send one request; callers are served in order. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.wait());
    this.tail = turn;
    return turn;
  }

  private async wait(): Promise<void> {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const ms = ((1 - this.tokens) / this.qps) * 1000;
    await new Promise((r) => setTimeout(r, ms));
    this.tokens = 0;
    this.last = this.now();
  }
}

/** A pooled KubeConfig whose requests (API calls and watches alike) wait on a token bucket. */
export class RateLimitedKubeConfig extends PooledKubeConfig {
  constructor(readonly bucket: TokenBucket) {
    super();
  }

  override async applySecurityAuthentication(context: Parameters<PooledKubeConfig["applySecurityAuthentication"]>[0]) {
    await this.bucket.take();
    return super.applySecurityAuthentication(context);
  }

  override async applyToHTTPSOptions(opts: Parameters<PooledKubeConfig["applyToHTTPSOptions"]>[0]) {
    await this.bucket.take();
    return super.applyToHTTPSOptions(opts);
  }
}

/** Upstream's default burst when only --kube-api-qps is given. */
const DEFAULT_BURST = 30;

export function kubeConfig(flags: Flags, file = flags.kubeconfig, env = process.env): PooledKubeConfig {
  const kc =
    flags.kubeApiQps !== undefined
      ? new RateLimitedKubeConfig(new TokenBucket(flags.kubeApiQps, flags.kubeApiBurst ?? DEFAULT_BURST))
      : new PooledKubeConfig();
  if (file) kc.loadFromFile(file);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (flags.master) {
    // --master overrides the server of the context in use, as clientcmd.BuildConfigFromFlags.
    const current = kc.getCurrentCluster()?.name;
    if (!current) {
      kc.loadFromOptions({
        clusters: [{ name: "master", server: flags.master, skipTLSVerify: false }],
        users: [{ name: "master" }],
        contexts: [{ name: "master", cluster: "master", user: "master" }],
        currentContext: "master",
      });
      return kc;
    }
    kc.clusters = kc.clusters.map((c) => (c.name === current ? { ...c, server: flags.master as string } : c));
  }
  return kc;
}
