import { describe, expect, it } from "vitest";
import { PEM, THUMBPRINT, ccmArgsWith, vcenter } from "./fixtures.js";
import { formatProblems, validateArgs, type ArgProblem } from "./validate.js";

const paths = (...a: Parameters<typeof ccmArgsWith>) => validateArgs(ccmArgsWith(...a)).problems.map((p) => p.path);
const problem = (path: string, ...a: Parameters<typeof ccmArgsWith>): ArgProblem | undefined =>
  validateArgs(ccmArgsWith(...a)).problems.find((p) => p.path === path);

describe("validateArgs", () => {
  it("accepts valid arguments", () => {
    expect(validateArgs(ccmArgsWith())).toEqual({ problems: [], warnings: [] });
    const full = ccmArgsWith({
      port: 443,
      thumbprint: THUMBPRINT,
      vcenters: [vcenter({ datacenters: ["dc1"] }), vcenter({ name: "lab", server: "fd00::10", caBundle: PEM })],
      labels: { region: "k8s-region", zone: "k8s-zone" },
      nodes: { internalNetworkSubnetCidr: ["10.0.0.0/8"] },
      namespace: { name: "kube-system" },
      leaderElection: { namespace: "ccm", name: "vsphere-ccm" },
      logVerbosity: 4,
    });
    expect(validateArgs(full).problems).toEqual([]);
  });

  it("collects every problem at once, each named by its property path", () => {
    const v = validateArgs({
      vcenters: [
        vcenter({ port: 0, insecureFlag: true, thumbprint: THUMBPRINT }),
        vcenter({ server: "https://vc2.example.com", port: 70000 }),
      ],
      port: 1.5,
      secretName: "Not_A_Name",
    });
    expect(v.problems.map((p) => p.path)).toEqual([
      "port",
      "vcenters[0].port",
      "vcenters[1].port",
      "secretName",
      "vcenters[1].server",
      "vcenters[0].insecureFlag",
    ]);
  });

  it("refuses an empty vCenter list", () => {
    expect(validateArgs({ vcenters: [] }).problems).toEqual([
      { path: "vcenters", message: "no vCenter is given", fix: "add one: { server, username, password }" },
    ]);
  });

  it("refuses bad ports, globally and per vCenter", () => {
    expect(paths({ port: 0 })).toEqual(["port"]);
    expect(paths({ vcenters: [vcenter({ port: 65536 })] })).toEqual(["vcenters[0].port"]);
    expect(problem("vcenters[0].port", { vcenters: [vcenter({ port: -1 })] })?.message).toBe("-1 is not a TCP port");
  });

  it("refuses insecureFlag with a thumbprint or CA bundle, inherited ones included (the controller's rule)", () => {
    expect(paths({ vcenters: [vcenter({ insecureFlag: true, thumbprint: THUMBPRINT })] })).toEqual([
      "vcenters[0].insecureFlag",
    ]);
    const inherited = problem("vcenters[0].insecureFlag", {
      thumbprint: THUMBPRINT,
      vcenters: [vcenter({ insecureFlag: true })],
    });
    // The controller's message, with its YAML keys written as argument paths.
    expect(inherited?.message).toBe(
      "turns certificate checks off, so the thumbprint pinned at `thumbprint` would be ignored",
    );
    expect(paths({ insecureFlag: true, caBundle: PEM })).toEqual(["insecureFlag"]);
    expect(paths({ vcenters: [vcenter({ insecureFlag: true, caBundle: PEM })] })).toEqual(["vcenters[0].insecureFlag"]);
  });

  it("reports what the controller's loader refuses, mapped to argument paths", () => {
    expect(problem("thumbprint", { thumbprint: "AB:CD" })?.message).toBe(
      '"AB:CD" is not a SHA-1 or SHA-256 fingerprint',
    );
    expect(problem("vcenters[0].server", { vcenters: [vcenter({ server: "vc:443" })] })).toBeDefined();
    expect(paths({ nodes: { excludeInternalNetworkSubnetCidr: ["10.0.0.0/33"] } })).toEqual([
      "nodes.excludeInternalNetworkSubnetCidr",
    ]);
  });

  it("maps keys of entries whose names contain one another's", () => {
    const v = validateArgs({
      vcenters: [vcenter({ name: "vc", server: "10.0.0.1" }), vcenter({ name: "vc.example.com", thumbprint: "x" })],
    });
    expect(v.problems.map((p) => p.path)).toEqual(["vcenters[1].thumbprint"]);
  });

  it("refuses missing servers and credentials, and one vCenter listed twice", () => {
    expect(paths({ vcenters: [vcenter({ server: "" })] })).toEqual(["vcenters[0].server"]);
    expect(
      paths({ vcenters: [vcenter({ username: "" }), vcenter({ server: "vc2", password: undefined as never })] }),
    ).toEqual(["vcenters[0].username", "vcenters[1].password"]);
    expect(problem("vcenters[1].server", { vcenters: [vcenter(), vcenter()] })?.message).toBe(
      "is also vcenters[0].server",
    );
    expect(paths({ vcenters: [vcenter({ name: "a" }), vcenter({ name: "a", server: "vc2" })] })).toEqual([
      "vcenters[1].name",
    ]);
  });

  it("refuses blank datacenter names and CA bundles that are not PEM", () => {
    expect(paths({ vcenters: [vcenter({ datacenters: ["dc1", "", "a,b"] })] })).toEqual([
      "vcenters[0].datacenters[1]",
      "vcenters[0].datacenters[2]",
    ]);
    expect(paths({ caBundle: "/etc/ssl/ca.pem" })).toEqual(["caBundle"]);
  });

  it("never lets the stack own the cluster's own namespaces", () => {
    expect(paths({ namespace: { name: "kube-system" } })).toEqual([]);
    expect(problem("namespace.create", { namespace: { name: "kube-system", create: true } })?.message).toMatch(
      /kube-system is the cluster's own namespace/,
    );
    expect(paths({ namespace: { name: "default", create: true } })).toEqual(["namespace.create"]);
  });

  it("refuses invalid Kubernetes names and log levels", () => {
    expect(
      paths({
        namespace: { name: "a.b" },
        serviceAccountName: "-sa",
        leaderElection: { namespace: "Kube", name: "x".repeat(254) },
        logVerbosity: 11,
      }),
    ).toEqual([
      "namespace.name",
      "serviceAccountName",
      "leaderElection.namespace",
      "leaderElection.name",
      "logVerbosity",
    ]);
  });

  it("takes an API server endpoint and names what is wrong with a bad one", () => {
    expect(paths({ apiServerEndpoint: { host: "10.0.0.10", port: 6443 } })).toEqual([]);
    expect(paths({ apiServerEndpoint: { host: "fd00::10", port: 6443 } })).toEqual([]);
    expect(paths({ apiServerEndpoint: { host: "https://api.example.com", port: 0 } })).toEqual([
      "apiServerEndpoint.host",
      "apiServerEndpoint.port",
    ]);
    expect(problem("apiServerEndpoint.port", { apiServerEndpoint: { host: "api" } as never })?.fix).toMatch(/6443/);
  });

  it("passes the loader's warnings on, by argument path", () => {
    const v = validateArgs(ccmArgsWith({ labels: { zone: "k8s-zone" } }));
    expect(v.problems).toEqual([]);
    expect(v.warnings.length).toBeGreaterThan(0);
    expect(v.warnings.every((w) => /labels\.(zone|region)/.test(w.path + w.message))).toBe(true);
  });
});

describe("formatProblems", () => {
  it("lists each problem with its path and fix", () => {
    expect(
      formatProblems([
        { path: "vcenters", message: "no vCenter is given", fix: "add one" },
        { path: "port", message: "0 is not a TCP port" },
      ]),
    ).toBe(
      "the arguments have 2 problems:\n  - vcenters: no vCenter is given. Fix: add one\n  - port: 0 is not a TCP port",
    );
  });
});
