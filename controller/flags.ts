// Command-line flags: every flag of upstream v1.36.0 is accepted with pflag's syntax
// (`--k=v`, `--k v`, `--bool`, `--bool=false`, `_` for `-`, `--` ends flags). Flags with a
// meaning here set a field of Flags; the others are listed in `ignored` and named once at start
// with the reason from flag-table.ts. Unknown flags are errors naming the flag and the closest
// known one. `applyEnvironment` adds upstream's SKIP_NODE_DELETION.
import { FLAG_ROWS, type FlagRow } from "./flag-table.js";
import {
  parseBool,
  parseDuration,
  parseList,
  parseMap,
  parseSniCertKey,
  qualifiedNameProblems,
  tlsCiphers,
  tlsCurves,
  tlsMinVersion,
  type SniCertKey,
} from "./flag-values.js";

export interface ServingTls {
  minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  /** OpenSSL cipher list from --tls-cipher-suites. */
  ciphers?: string;
  /** OpenSSL groups from --tls-curve-preferences. */
  ecdhCurve?: string;
  sniCertKeys: SniCertKey[];
}

export interface Flags {
  cloudProvider: string;
  cloudConfig?: string;
  kubeconfig?: string;
  master?: string;
  verbosity: number;
  leaderElect: boolean;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  leaseName: string;
  leaseNamespace: string;
  /** --leader-elect-resource-lock; only "leases" is valid while leader election is on (as upstream). */
  leaseLock: string;
  securePort: number;
  bindAddress: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tls: ServingTls;
  authenticationKubeconfig?: string;
  authorizationKubeconfig?: string;
  authCacheTtlSeconds: number;
  /** Paths served without a token (--authorization-always-allow-paths). */
  alwaysAllowPaths: string[];
  /** --controllers as given (upstream's default: "*"). */
  controllers: string[];
  /** Kubernetes client rate limit, only when --kube-api-qps is given. */
  kubeApiQps?: number;
  kubeApiBurst?: number;
  nodeLabels: Record<string, string>;
  nodeDeletion: boolean;
  concurrentNodeSyncs: number;
  /** Address workers; 0 means concurrentNodeSyncs (upstream's rule). */
  concurrentNodeStatusUpdates: number;
  /** How often every initialized Node's addresses are checked (--node-status-update-frequency). */
  nodeStatusUpdateSeconds: number;
  /** How often vSphere tags (zones, regions) are read again; this controller's own flag. */
  tagRefreshSeconds: number;
  /** --version or --help given: print and exit. */
  version: boolean;
  help: boolean;
  /** Ignored upstream flags, as given (once each). */
  ignored: string[];
}

type Setter = (f: Flags, v: string) => void;

const num = (v: string, min = 0): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(min > 0 ? `expected a whole number >= ${min}` : "expected a whole number");
  return n;
};
const seconds = (v: string, min = 0): number => {
  const s = parseDuration(v);
  if (s < min) throw new Error(`expected at least ${min}s`);
  return s;
};

function nodeLabels(v: string): Record<string, string> {
  const labels = parseMap(v);
  for (const k of Object.keys(labels)) {
    const bad = qualifiedNameProblems(k);
    if (bad.length) throw new Error(`key ${JSON.stringify(k)}: ${bad.join("; ")}`);
  }
  return labels;
}

const SETTERS: Record<string, Setter> = {
  help: (f, v) => (f.help = parseBool(v)),
  version: (f, v) => (f.version = v !== "false"),
  v: (f, v) => (f.verbosity = num(v)),
  "cloud-provider": (f, v) => (f.cloudProvider = v || "vsphere"),
  "cloud-config": (f, v) => (f.cloudConfig = v),
  kubeconfig: (f, v) => (f.kubeconfig = v),
  master: (f, v) => (f.master = v || undefined),
  controllers: (f, v) => (f.controllers = parseList(v)),
  "kube-api-qps": (f, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error("expected a number above 0");
    f.kubeApiQps = n;
  },
  "kube-api-burst": (f, v) => (f.kubeApiBurst = num(v, 1)),
  "leader-elect": (f, v) => (f.leaderElect = parseBool(v)),
  "leader-elect-lease-duration": (f, v) => (f.leaseDurationSeconds = seconds(v)),
  "leader-elect-renew-deadline": (f, v) => (f.renewDeadlineSeconds = seconds(v)),
  "leader-elect-retry-period": (f, v) => (f.retryPeriodSeconds = seconds(v)),
  "leader-elect-resource-lock": (f, v) => (f.leaseLock = v),
  "leader-elect-resource-name": (f, v) => (f.leaseName = v),
  "leader-elect-resource-namespace": (f, v) => (f.leaseNamespace = v),
  "concurrent-node-syncs": (f, v) => (f.concurrentNodeSyncs = num(v, 1)),
  "concurrent-node-status-updates": (f, v) => (f.concurrentNodeStatusUpdates = num(v)),
  "node-labels": (f, v) => (f.nodeLabels = { ...f.nodeLabels, ...nodeLabels(v) }),
  "node-status-update-frequency": (f, v) => (f.nodeStatusUpdateSeconds = seconds(v, 1)),
  "secure-port": (f, v) => (f.securePort = num(v)),
  "bind-address": (f, v) => (f.bindAddress = v),
  "tls-cert-file": (f, v) => (f.tlsCertFile = v),
  "tls-private-key-file": (f, v) => (f.tlsKeyFile = v),
  "tls-min-version": (f, v) => (f.tls.minVersion = v ? tlsMinVersion(v) : undefined),
  "tls-cipher-suites": (f, v) => (f.tls.ciphers = tlsCiphers(parseList(v))),
  "tls-curve-preferences": (f, v) => (f.tls.ecdhCurve = tlsCurves(parseList(v))),
  "tls-sni-cert-key": (f, v) => f.tls.sniCertKeys.push(parseSniCertKey(v)),
  "authentication-kubeconfig": (f, v) => (f.authenticationKubeconfig = v || undefined),
  "authorization-kubeconfig": (f, v) => (f.authorizationKubeconfig = v || undefined),
  "authentication-token-webhook-cache-ttl": (f, v) => (f.authCacheTtlSeconds = seconds(v)),
  "authorization-always-allow-paths": (f, v) => (f.alwaysAllowPaths = parseList(v)),
  "no-node-deletion": (f, v) => (f.nodeDeletion = !parseBool(v)),
  "tag-refresh-period": (f, v) => {
    // One batched tag read per period: below a second it would be polling vCenter's tag service.
    const s = parseDuration(v);
    if (s < 1) throw new Error("expected at least 1s (the default is 5m)");
    f.tagRefreshSeconds = s;
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
    leaseLock: "leases",
    securePort: 10258,
    bindAddress: "0.0.0.0",
    tls: { sniCertKeys: [] },
    authCacheTtlSeconds: 10,
    alwaysAllowPaths: ["/healthz", "/readyz", "/livez"],
    controllers: ["*"],
    nodeLabels: {},
    nodeDeletion: true,
    concurrentNodeSyncs: 4,
    concurrentNodeStatusUpdates: 0,
    nodeStatusUpdateSeconds: 300,
    tagRefreshSeconds: 300,
    version: false,
    help: false,
    ignored: [],
  };
}

/** --node-labels syntax (kept for callers that parse labels alone). */
export const parseLabels = nodeLabels;

function closest(name: string): string | undefined {
  let best: string | undefined;
  let score = Infinity;
  for (const k of FLAG_ROWS.keys()) {
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

/** Flags whose value may be left out (pflag NoOptDefVal): bools, and --version. */
const optionalValue = (r: FlagRow) => r.kind === "bool" || r.name === "version";

/** One `--name[=value]` argument split, with pflag's `_` to `-` normalization and `-h`. */
function split(a: string): { name: string; value?: string } {
  const body = a.replace(/^--?/, "");
  const eq = body.indexOf("=");
  const name = (eq >= 0 ? body.slice(0, eq) : body).replace(/_/g, "-");
  return { name: name === "h" ? "help" : name, value: eq >= 0 ? body.slice(eq + 1) : undefined };
}

/** Parses flags; returns flags and positional arguments, or throws naming every bad flag. */
export function parseFlags(argv: string[]): { flags: Flags; args: string[] } {
  const flags = defaultFlags();
  const args: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      args.push(a);
      continue;
    }
    const { name } = split(a);
    let { value } = split(a);
    const row = FLAG_ROWS.get(name);
    if (!row) {
      const hint = closest(name);
      problems.push(`unknown flag --${name}${hint ? ` (did you mean --${hint}?)` : ""}`);
      continue;
    }
    if (value === undefined) {
      if (optionalValue(row)) value = "true";
      else if (i + 1 < argv.length) value = argv[++i];
      else {
        problems.push(`--${name} needs a value`);
        continue;
      }
    }
    try {
      checkKind(row, value);
      const set = SETTERS[name];
      if (set) set(flags, value);
      else if (!flags.ignored.includes(name)) flags.ignored.push(name);
    } catch (err) {
      problems.push(`--${name}=${value}: ${(err as Error).message}`);
    }
  }
  if (flags.cloudProvider !== "vsphere")
    problems.push(`--cloud-provider=${flags.cloudProvider}: this controller only serves "vsphere"`);
  problems.push(...controllerProblems(flags.controllers));
  if (flags.leaderElect && flags.leaseLock !== "leases")
    problems.push(`--leader-elect-resource-lock=${flags.leaseLock}: expected "leases" (the only lock upstream allows)`);
  if (problems.length) throw new Error(problems.join("\n"));
  return { flags, args };
}

/** The syntax check pflag makes for every flag, used or not. */
function checkKind(row: FlagRow, value: string): void {
  if (row.kind === "bool") parseBool(value);
  else if (row.kind === "int" && !/^[-+]?\d+$/.test(value)) throw new Error("expected a whole number");
  else if (row.kind === "float" && !Number.isFinite(Number(value))) throw new Error("expected a number");
  else if (row.kind === "duration") parseDuration(value);
  else if (row.kind === "map" && row.name !== "node-labels") parseMap(value);
}

/** Upstream's controller names and their aliases (k8s.io/cloud-provider names). */
export const CONTROLLER_ALIASES: Record<string, string> = {
  "cloud-node": "cloud-node-controller",
  "cloud-node-lifecycle": "cloud-node-lifecycle-controller",
  service: "service-lb-controller",
  route: "node-route-controller",
};
const CONTROLLER_NAMES = new Set(Object.values(CONTROLLER_ALIASES));
const canonical = (n: string) => CONTROLLER_ALIASES[n] ?? n;

function controllerProblems(list: string[]): string[] {
  return list
    .filter((c) => c !== "*" && !CONTROLLER_NAMES.has(canonical(c.replace(/^-/, ""))))
    .map(
      (c) =>
        `--controllers: ${JSON.stringify(c.replace(/^-/, ""))} is not a known controller ` +
        `(known: ${[...CONTROLLER_NAMES].join(", ")}, or ${Object.keys(CONTROLLER_ALIASES).join(", ")})`,
    );
}

/**
 * Whether --controllers enables a controller, as upstream's IsControllerEnabled: the first entry
 * naming it ("name" or "-name") decides; otherwise "*" enables it (none is off by default).
 */
export function controllerEnabled(list: readonly string[], name: string): boolean {
  const want = canonical(name);
  let star = false;
  for (const c of list) {
    if (canonical(c) === want) return true;
    if (c.startsWith("-") && canonical(c.slice(1)) === want) return false;
    if (c === "*") star = true;
  }
  return star;
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
  else if (!controllerEnabled(flags.controllers, "cloud-node-lifecycle"))
    notes.push("node deletion and shutdown taints are off: --controllers disables cloud-node-lifecycle");
  return { flags: skip === undefined ? flags : { ...flags, nodeDeletion: false }, notes };
}

/** The ignored flags given, each with its reason, for one start log line. */
export function ignoredReasons(flags: Flags): Record<string, string> {
  return Object.fromEntries(flags.ignored.map((n) => [n, FLAG_ROWS.get(n)?.note ?? ""]));
}
