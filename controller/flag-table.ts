// Every flag upstream v1.36.0's vsphere-cloud-controller-manager accepts, read from its source:
// cmd/vsphere-cloud-controller-manager/main.go (verflag, globalflag, --node-labels, the paravirtual
// Go flags), k8s.io/cloud-provider v0.36.0 options/, k8s.io/controller-manager v0.36.0 options/,
// k8s.io/component-base v0.36.0 (logs, leader election) and k8s.io/apiserver v0.36.0
// (SecureServing, DelegatingAuthentication, DelegatingAuthorization). docs/flags.md is this table
// for people; flag-table.test.ts holds the two equal and parses every row.
//
// `implemented`: the flag has its upstream meaning here. `ignored`: accepted, then named once in
// the start log with `note` as the reason. `ours`: this controller's own flags.

export type FlagKind = "string" | "int" | "float" | "bool" | "duration" | "list" | "map";
export type Treatment = "implemented" | "ignored" | "ours";

export interface FlagRow {
  name: string;
  kind: FlagKind;
  /** Upstream's --help section ("hidden" for flags upstream accepts but does not list). */
  section: string;
  /** Upstream's default, as its --help shows it ("" when none). */
  upstreamDefault: string;
  treatment: Treatment;
  /** What it does here, or why it is ignored. */
  note: string;
}

const row = (
  name: string,
  kind: FlagKind,
  section: string,
  upstreamDefault: string,
  treatment: Treatment,
  note: string,
): FlagRow => ({ name, kind, section, upstreamDefault, treatment, note });

const NO_ROUTES = "no route, IPAM or load-balancer controller here (upstream needs NSX-T for them, not served)";
const NO_WEBHOOKS = "no webhook server: upstream v1.36 registers no webhooks";
const NO_CLIENT_CERTS =
  "/metrics authenticates bearer tokens (TokenReview); client certificates and front-proxy headers are not read";
const H2 = "the secure port speaks HTTP/1.1 only";

export const FLAG_TABLE: readonly FlagRow[] = [
  // global (component-base verflag and logs, cobra help)
  row("help", "bool", "global", "false", "implemented", "prints the usage and exits 0 (also -h)"),
  row("log-flush-frequency", "duration", "global", "5s", "ignored", "log lines are written synchronously"),
  row("v", "int", "global", "0", "implemented", "log verbosity (this controller defaults to 2)"),
  row("version", "string", "global", "false", "implemented", "prints the name and version and exits 0"),
  row("vmodule", "list", "global", "", "ignored", "no per-file verbosity; --v applies to every module"),
  // debugging
  row("contention-profiling", "bool", "debugging", "false", "ignored", "no /debug/pprof endpoint"),
  row("profiling", "bool", "debugging", "true", "ignored", "no /debug/pprof endpoint"),
  // leader-migration
  row(
    "enable-leader-migration",
    "bool",
    "leader-migration",
    "false",
    "ignored",
    "no migration lease: the in-tree vSphere provider left kube-controller-manager, nothing to hand over",
  ),
  row("leader-migration-config", "string", "leader-migration", "", "ignored", "no migration lease (see above)"),
  // generic
  row("allocate-node-cidrs", "bool", "generic", "false", "ignored", NO_ROUTES),
  row("cidr-allocator-type", "string", "generic", "RangeAllocator", "ignored", NO_ROUTES),
  row("cloud-config", "string", "generic", "", "implemented", "the vsphere.conf (YAML or INI); watched for changes"),
  row("cloud-provider", "string", "generic", "vsphere", "implemented", 'only "vsphere" (not "vsphere-paravirtual")'),
  row("cluster-cidr", "string", "generic", "", "ignored", NO_ROUTES),
  row("cluster-name", "string", "generic", "kubernetes", "ignored", "upstream uses it for NSX-T and paravirtual only"),
  row("configure-cloud-routes", "bool", "generic", "true", "ignored", NO_ROUTES),
  row(
    "controller-start-interval",
    "duration",
    "generic",
    "0s",
    "ignored",
    "the controllers share one informer and start together",
  ),
  row(
    "controllers",
    "list",
    "generic",
    "*",
    "implemented",
    "'*', 'name', '-name' of cloud-node, cloud-node-lifecycle, service, route (and their -controller names)",
  ),
  row("external-cloud-volume-plugin", "string", "generic", "", "ignored", "used by kube-controller-manager only"),
  row("feature-gates", "map", "generic", "", "ignored", "no feature gate changes what this controller does"),
  row("is-legacy-paravirtual", "bool", "generic", "false", "ignored", "paravirtual mode is not served"),
  row("kube-api-burst", "int", "generic", "30", "implemented", "Kubernetes request burst; unlimited unless given"),
  row(
    "kube-api-content-type",
    "string",
    "generic",
    "application/vnd.kubernetes.protobuf",
    "ignored",
    "the client speaks JSON only",
  ),
  row(
    "kube-api-qps",
    "float",
    "generic",
    "20",
    "implemented",
    "Kubernetes requests per second; unlimited unless given",
  ),
  row("leader-elect", "bool", "generic", "true", "implemented", "Lease leader election"),
  row("leader-elect-lease-duration", "duration", "generic", "15s", "implemented", ""),
  row("leader-elect-renew-deadline", "duration", "generic", "10s", "implemented", ""),
  row(
    "leader-elect-resource-lock",
    "string",
    "generic",
    "leases",
    "implemented",
    'only "leases", as upstream validates',
  ),
  row("leader-elect-resource-name", "string", "generic", "cloud-controller-manager", "implemented", ""),
  row("leader-elect-resource-namespace", "string", "generic", "kube-system", "implemented", ""),
  row("leader-elect-retry-period", "duration", "generic", "2s", "implemented", ""),
  row(
    "min-resync-period",
    "duration",
    "generic",
    "12h0m0s",
    "ignored",
    "the Node informer relists on expiry and on its watchdog",
  ),
  row(
    "node-monitor-period",
    "duration",
    "generic",
    "5s",
    "ignored",
    "lifecycle decisions follow the vCenter change feed and Node events, not a poll",
  ),
  row("route-reconciliation-period", "duration", "generic", "10s", "ignored", NO_ROUTES),
  row(
    "use-service-account-credentials",
    "bool",
    "generic",
    "false",
    "ignored",
    "one client: the pod's own ServiceAccount",
  ),
  // cloud-node-controller
  row(
    "concurrent-node-status-updates",
    "int",
    "cloud-node-controller",
    "0",
    "implemented",
    "address workers; 0: --concurrent-node-syncs",
  ),
  row(
    "concurrent-node-syncs",
    "int",
    "cloud-node-controller",
    "1",
    "implemented",
    "initialization workers; default 4 here",
  ),
  row(
    "node-labels",
    "map",
    "cloud-node-controller",
    "",
    "implemented",
    "labels added at initialization; keys validated",
  ),
  // service-lb-controller, webhook, webhook serving
  row("concurrent-service-syncs", "int", "service-lb-controller", "1", "ignored", NO_ROUTES),
  row("webhooks", "list", "webhook", "", "ignored", NO_WEBHOOKS),
  row("webhook-bind-address", "string", "webhook serving", "0.0.0.0", "ignored", NO_WEBHOOKS),
  row("webhook-cert-dir", "string", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-disable-http2-serving", "bool", "webhook serving", "false", "ignored", NO_WEBHOOKS),
  row("webhook-secure-port", "int", "webhook serving", "10260", "ignored", NO_WEBHOOKS),
  row("webhook-tls-cert-file", "string", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-tls-cipher-suites", "list", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-tls-curve-preferences", "list", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-tls-min-version", "string", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-tls-private-key-file", "string", "webhook serving", "", "ignored", NO_WEBHOOKS),
  row("webhook-tls-sni-cert-key", "list", "webhook serving", "", "ignored", NO_WEBHOOKS),
  // secure serving
  row("bind-address", "string", "secure serving", "0.0.0.0", "implemented", ""),
  row(
    "cert-dir",
    "string",
    "secure serving",
    "",
    "ignored",
    "a generated certificate is kept in memory, as upstream's CCM default",
  ),
  row("disable-http2-serving", "bool", "secure serving", "false", "ignored", H2),
  row("http2-max-streams-per-connection", "int", "secure serving", "0", "ignored", H2),
  row("permit-address-sharing", "bool", "secure serving", "false", "ignored", "Node.js binds with SO_REUSEADDR always"),
  row(
    "permit-port-sharing",
    "bool",
    "secure serving",
    "false",
    "ignored",
    "SO_REUSEPORT is not available to Node.js 20",
  ),
  row("secure-port", "int", "secure serving", "10258", "implemented", "0 picks a free port here (upstream: no HTTPS)"),
  row("tls-cert-file", "string", "secure serving", "", "implemented", ""),
  row("tls-cipher-suites", "list", "secure serving", "", "implemented", "Go/IANA cipher names, TLS 1.2 suites"),
  row("tls-curve-preferences", "list", "secure serving", "", "implemented", "Go CurveIDs: 23, 24, 25, 29"),
  row("tls-min-version", "string", "secure serving", "", "implemented", "VersionTLS12 or VersionTLS13"),
  row("tls-private-key-file", "string", "secure serving", "", "implemented", ""),
  row("tls-sni-cert-key", "list", "secure serving", "", "implemented", "cert,key[:domain,...]; repeatable"),
  // authentication
  row(
    "authentication-kubeconfig",
    "string",
    "authentication",
    "",
    "implemented",
    "TokenReview client (default: --kubeconfig)",
  ),
  row("authentication-skip-lookup", "bool", "authentication", "false", "ignored", NO_CLIENT_CERTS),
  row(
    "authentication-token-webhook-cache-ttl",
    "duration",
    "authentication",
    "10s",
    "implemented",
    "how long a token's answer is kept",
  ),
  row("authentication-tolerate-lookup-failure", "bool", "authentication", "false", "ignored", NO_CLIENT_CERTS),
  row("client-ca-file", "string", "authentication", "", "ignored", NO_CLIENT_CERTS),
  row("requestheader-allowed-names", "list", "authentication", "", "ignored", NO_CLIENT_CERTS),
  row("requestheader-client-ca-file", "string", "authentication", "", "ignored", NO_CLIENT_CERTS),
  row("requestheader-extra-headers-prefix", "list", "authentication", "x-remote-extra-", "ignored", NO_CLIENT_CERTS),
  row("requestheader-group-headers", "list", "authentication", "x-remote-group", "ignored", NO_CLIENT_CERTS),
  row("requestheader-uid-headers", "list", "authentication", "", "ignored", NO_CLIENT_CERTS),
  row("requestheader-username-headers", "list", "authentication", "x-remote-user", "ignored", NO_CLIENT_CERTS),
  // authorization
  row(
    "authorization-always-allow-paths",
    "list",
    "authorization",
    "/healthz,/readyz,/livez",
    "implemented",
    "paths served without a token (health paths always are)",
  ),
  row(
    "authorization-kubeconfig",
    "string",
    "authorization",
    "",
    "implemented",
    "SubjectAccessReview client (default: --kubeconfig)",
  ),
  row(
    "authorization-webhook-cache-authorized-ttl",
    "duration",
    "authorization",
    "10s",
    "ignored",
    "answers are kept for --authentication-token-webhook-cache-ttl",
  ),
  row(
    "authorization-webhook-cache-unauthorized-ttl",
    "duration",
    "authorization",
    "10s",
    "ignored",
    "answers are kept for --authentication-token-webhook-cache-ttl",
  ),
  // misc
  row("kubeconfig", "string", "misc", "", "implemented", "default: in-cluster, then $KUBECONFIG"),
  row("master", "string", "misc", "", "implemented", "overrides the kubeconfig's server"),
  row(
    "node-status-update-frequency",
    "duration",
    "misc",
    "5m0s",
    "implemented",
    "how often every Node's addresses are checked against the inventory",
  ),
  // accepted upstream, not in its --help
  row("allow-untagged-cloud", "bool", "hidden", "false", "ignored", "deprecated upstream; no cluster ID is needed"),
  row("node-sync-period", "duration", "hidden", "0s", "ignored", "deprecated upstream, a no-op there"),
  row("enable-vpc-mode", "bool", "hidden", "false", "ignored", "paravirtual mode is not served"),
  row("pod-ip-pool-type", "string", "hidden", "", "ignored", "paravirtual mode is not served"),
  row("enable-service-annotation-propagation", "bool", "hidden", "false", "ignored", "paravirtual mode is not served"),
  // this controller's own
  row("no-node-deletion", "bool", "ours", "", "ours", "never delete Nodes (as SKIP_NODE_DELETION)"),
  row("tag-refresh-period", "duration", "ours", "", "ours", "how often zone/region tags are read again (5m)"),
];

export const FLAG_ROWS = new Map(FLAG_TABLE.map((r) => [r.name, r]));
