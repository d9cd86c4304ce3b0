// Command-line flags, compatible with the upstream vsphere-cloud-controller-manager manifests:
// every flag they pass is accepted. Flags of the generic cloud-controller-manager that this CCM
// has no use for are accepted and reported once as ignored; unknown flags are errors naming the
// flag, with the closest known one. `applyEnvironment` adds the one switch upstream reads from the
// environment instead of a flag (SKIP_NODE_DELETION).

export interface Flags {
  cloudProvider: string;
  cloudConfig?: string;
  kubeconfig?: string;
  verbosity: number;
  leaderElect: boolean;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  leaseName: string;
  leaseNamespace: string;
  securePort: number;
  bindAddress: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  nodeLabels: Record<string, string>;
  nodeDeletion: boolean;
  concurrentNodeSyncs: number;
  /** How often vSphere tags (zones, regions) are read again; this controller's own flag. */
  tagRefreshSeconds: number;
  /** Ignored upstream flags, as given. */
  ignored: string[];
}

type Kind = "string" | "int" | "bool" | "duration";
interface FlagSpec {
  kind: Kind;
  set?: (f: Flags, v: string | number | boolean) => void;
}

const IGNORED_WITH_VALUE = [
  "authentication-kubeconfig",
  "authorization-kubeconfig",
  "cluster-name",
  "cluster-cidr",
  "controllers",
  "node-status-update-frequency",
  "node-monitor-period",
  "kube-api-qps",
  "kube-api-burst",
  "kube-api-content-type",
  "master",
  "leader-elect-resource-lock",
  "route-reconciliation-period",
  "min-resync-period",
  "profiling",
  "contention-profiling",
  "allocate-node-cidrs",
  "configure-cloud-routes",
  "use-service-account-credentials",
  "authentication-skip-lookup",
  "cert-dir",
  "logging-format",
  "log-flush-frequency",
  "external-cloud-volume-plugin",
  "concurrent-service-syncs",
  "cidr-allocator-type",
  "feature-gates",
  "requestheader-client-ca-file",
  "client-ca-file",
  "authorization-always-allow-paths",
  "http2-max-streams-per-connection",
  "webhook-secure-port",
];

const duration = (v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error(`expected a duration such as 15s`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : m[2] === "h" ? n * 3600 : n;
};

const SPECS: Record<string, FlagSpec> = {
  "cloud-provider": { kind: "string", set: (f, v) => (f.cloudProvider = String(v)) },
  "cloud-config": { kind: "string", set: (f, v) => (f.cloudConfig = String(v)) },
  kubeconfig: { kind: "string", set: (f, v) => (f.kubeconfig = String(v)) },
  v: { kind: "int", set: (f, v) => (f.verbosity = Number(v)) },
  "leader-elect": { kind: "bool", set: (f, v) => (f.leaderElect = Boolean(v)) },
  "leader-elect-lease-duration": { kind: "duration", set: (f, v) => (f.leaseDurationSeconds = Number(v)) },
  "leader-elect-renew-deadline": { kind: "duration", set: (f, v) => (f.renewDeadlineSeconds = Number(v)) },
  "leader-elect-retry-period": { kind: "duration", set: (f, v) => (f.retryPeriodSeconds = Number(v)) },
  "leader-elect-resource-name": { kind: "string", set: (f, v) => (f.leaseName = String(v)) },
  "leader-elect-resource-namespace": { kind: "string", set: (f, v) => (f.leaseNamespace = String(v)) },
  "secure-port": { kind: "int", set: (f, v) => (f.securePort = Number(v)) },
  "bind-address": { kind: "string", set: (f, v) => (f.bindAddress = String(v)) },
  "tls-cert-file": { kind: "string", set: (f, v) => (f.tlsCertFile = String(v)) },
  "tls-private-key-file": { kind: "string", set: (f, v) => (f.tlsKeyFile = String(v)) },
  "node-labels": { kind: "string", set: (f, v) => (f.nodeLabels = parseLabels(String(v))) },
  "no-node-deletion": { kind: "bool", set: (f, v) => (f.nodeDeletion = !v) },
  "concurrent-node-syncs": { kind: "int", set: (f, v) => (f.concurrentNodeSyncs = Number(v)) },
  "tag-refresh-period": {
    kind: "duration",
    set: (f, v) => {
      // One batched tag read per period: below a second it would be polling vCenter's tag service.
      if (Number(v) < 1) throw new Error("expected at least 1s (the default is 5m)");
      f.tagRefreshSeconds = Number(v);
    },
  },
};

export function defaultFlags(): Flags {
  return {
    cloudProvider: "vsphere",
    verbosity: 2,
    leaderElect: true,
    leaseDurationSeconds: 15,
    renewDeadlineSeconds: 10,
    retryPeriodSeconds: 2,
    leaseName: "cloud-controller-manager",
    leaseNamespace: "kube-system",
    securePort: 10258,
    bindAddress: "0.0.0.0",
    nodeLabels: {},
    nodeDeletion: true,
    concurrentNodeSyncs: 4,
    tagRefreshSeconds: 300,
    ignored: [],
  };
}

export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) throw new Error(`--node-labels: ${JSON.stringify(part)} is not key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function closest(name: string): string | undefined {
  const known = Object.keys(SPECS);
  let best: string | undefined;
  let score = Infinity;
  for (const k of known) {
    const d = levenshtein(name, k);
    if (d < score) [best, score] = [k, d];
  }
  return score <= 3 ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** Parses flags (`--k=v`, `--k v`, `--bool`, `--bool=false`); returns flags and positional arguments. */
export function parseFlags(argv: string[]): { flags: Flags; args: string[] } {
  const flags = defaultFlags();
  const args: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-") || a === "-") {
      args.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (IGNORED_WITH_VALUE.includes(name)) {
      if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) value = argv[++i];
      flags.ignored.push(name);
      continue;
    }
    const spec = SPECS[name];
    if (!spec) {
      const hint = closest(name);
      problems.push(`unknown flag --${name}${hint ? ` (did you mean --${hint}?)` : ""}`);
      continue;
    }
    if (spec.kind === "bool") {
      if (value !== undefined && value !== "true" && value !== "false") {
        problems.push(`--${name}=${value}: expected true or false`);
        continue;
      }
      spec.set?.(flags, value !== "false");
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) {
        problems.push(`--${name} needs a value`);
        continue;
      }
    }
    try {
      if (spec.kind === "int") {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw new Error("expected a whole number");
        spec.set?.(flags, n);
      } else if (spec.kind === "duration") spec.set?.(flags, duration(value));
      else spec.set?.(flags, value);
    } catch (err) {
      problems.push(`--${name}=${value}: ${(err as Error).message}`);
    }
  }
  if (flags.cloudProvider !== "vsphere")
    problems.push(`--cloud-provider=${flags.cloudProvider}: this controller only serves "vsphere"`);
  if (problems.length) throw new Error(problems.join("\n"));
  return { flags, args };
}

/** Upstream's switch to never delete Nodes (pkg/cloudprovider/vsphere/instances.go). */
export const SKIP_NODE_DELETION = "SKIP_NODE_DELETION";

/**
 * The flags with upstream's environment switch applied: `SKIP_NODE_DELETION` set to any value,
 * empty and "false" included, turns node deletion off as `--no-node-deletion` does, because
 * upstream only asks whether the variable exists (os.LookupEnv). Returns what the operator should
 * read once at start: whether Nodes are ever deleted, and why not.
 */
export function applyEnvironment(
  flags: Flags,
  env: Readonly<Record<string, string | undefined>>,
): { flags: Flags; notes: string[] } {
  const skip = env[SKIP_NODE_DELETION];
  const notes: string[] = [];
  if (skip !== undefined) {
    notes.push(
      /^(false|f|0|no|off)$/i.test(skip.trim())
        ? `node deletion is off: ${SKIP_NODE_DELETION} is set; its value ${JSON.stringify(skip)} does not matter ` +
            "(as upstream, any value turns deletion off): unset the variable to let the controller delete Nodes"
        : `node deletion is off: ${SKIP_NODE_DELETION} is set`,
    );
  } else if (!flags.nodeDeletion) notes.push("node deletion is off: --no-node-deletion");
  return { flags: skip === undefined ? flags : { ...flags, nodeDeletion: false }, notes };
}
