// Checks of the component's arguments, collected and reported at once, each named by its
// property path (`vcenters[1].port`). Two sources: the Kubernetes side and the shape of the
// arguments are checked here; the cloud config is checked by the controller's own loader
// (controller/config), run on the rendered vsphere.conf, so `pulumi up` refuses exactly what the
// CCM would refuse at start-up. The loader's keys are mapped back to argument paths.
import { ConfigError, loadConfig, type ConfigProblem, type ConfigWarning } from "../../controller/config/index.js";
import { BUILT_IN_NAMESPACES, kubeSettings, vcenterNames } from "./args.js";
import type { CloudControllerManagerArgs, VcenterArgs } from "./args.js";
import { CONFIG_FILE, renderCloudConfig } from "./cloud-config.js";

/** One thing wrong with the arguments: where, what, and what to do. */
export interface ArgProblem {
  path: string;
  message: string;
  fix?: string;
}

export interface Validation {
  problems: ArgProblem[];
  /** Advice from the controller's loader (e.g. only one of region/zone set): not fatal. */
  warnings: ArgProblem[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

/** Every problem of the arguments, and the loader's warnings. */
export function validateArgs(args: CloudControllerManagerArgs): Validation {
  const problems = [...vcenterProblems(args), ...kubeProblems(args)];
  const fromLoader = cloudConfigFindings(args);
  // What is said here about a property (or the entry holding it) is not said twice.
  const own = problems.map((p) => p.path);
  problems.push(...fromLoader.problems.filter((p) => !own.some((o) => related(o, p.path))));
  problems.push(...tlsProblems(args));
  return { problems, warnings: fromLoader.warnings };
}

/** Whether one path is the other or lies inside it (`vcenters` and `vcenters[0].server`). */
function related(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long === short || (long.startsWith(short) && /^[.[]/.test(long.slice(short.length)));
}

/** The message of the error thrown for `problems`. */
export function formatProblems(problems: ArgProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}${p.fix ? `. Fix: ${p.fix}` : ""}`);
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `the arguments have ${count}:\n${lines.join("\n")}`;
}

function vcenterProblems(args: CloudControllerManagerArgs): ArgProblem[] {
  const out = [...portProblems("port", args.port), ...caProblems("caBundle", args.caBundle)];
  const vcenters = args.vcenters ?? [];
  if (!Array.isArray(vcenters) || vcenters.length === 0) {
    return [
      { path: "vcenters", message: "no vCenter is given", fix: "add one: { server, username, password }" },
      ...out,
    ];
  }
  const names = vcenterNames(args);
  vcenters.forEach((vc, i) =>
    out.push(...entryProblems(vc, `vcenters[${i}]`), ...duplicateProblems(vcenters, names, i)),
  );
  return out;
}

/** The problems of one vCenter entry on its own. */
function entryProblems(vc: VcenterArgs, at: string): ArgProblem[] {
  const out = [...portProblems(`${at}.port`, vc.port), ...caProblems(`${at}.caBundle`, vc.caBundle)];
  if (typeof vc.server !== "string" || vc.server.trim() === "") {
    out.push({ path: `${at}.server`, message: "is required", fix: "write the vCenter's host name or IP address" });
  }
  if (vc.name !== undefined && vc.name.trim() === "") {
    out.push({ path: `${at}.name`, message: "is empty", fix: "leave it out to use the server as the name" });
  }
  (vc.datacenters ?? []).forEach((dc, k) => {
    if (typeof dc !== "string" || dc.trim() === "" || dc.includes(",")) {
      out.push({
        path: `${at}.datacenters[${k}]`,
        message: `${JSON.stringify(dc)} is not a datacenter name`,
        fix: "write one datacenter name per element",
      });
    }
  });
  for (const field of ["username", "password"] as const) {
    if (vc[field] === undefined || vc[field] === null || vc[field] === "") {
      out.push({
        path: `${at}.${field}`,
        message: "is required",
        fix: "pass the CCM user's credentials (a Pulumi secret)",
      });
    }
  }
  return out;
}

/** Entry `i` repeating an earlier server (credentials are keyed by server) or entry name. */
function duplicateProblems(vcenters: VcenterArgs[], names: string[], i: number): ArgProblem[] {
  const server = vcenters[i].server;
  const sameServer = vcenters.findIndex((o) => o.server === server);
  if (server && sameServer < i) {
    return [
      {
        path: `vcenters[${i}].server`,
        message: `is also vcenters[${sameServer}].server`,
        fix: "list each vCenter once, with all its datacenters in one entry",
      },
    ];
  }
  const sameName = names.indexOf(names[i]);
  if (sameName < i) {
    return [
      {
        path: `vcenters[${i}].name`,
        message: `is also the name of vcenters[${sameName}]`,
        fix: "give each entry its own name",
      },
    ];
  }
  return [];
}

function portProblems(path: string, port: number | undefined): ArgProblem[] {
  if (port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535)) return [];
  return [{ path, message: `${port} is not a TCP port`, fix: "write a whole number from 1 to 65535, e.g. 443" }];
}

function caProblems(path: string, pem: string | undefined): ArgProblem[] {
  if (pem === undefined || pem.includes(PEM_CERTIFICATE)) return [];
  return [
    {
      path,
      message: "is not a PEM certificate bundle",
      fix: `pass the CA certificates' text, starting ${PEM_CERTIFICATE}`,
    },
  ];
}

function kubeProblems(args: CloudControllerManagerArgs): ArgProblem[] {
  const s = kubeSettings(args);
  const out: ArgProblem[] = [];
  const name = (path: string, value: string, pattern: RegExp, max: number) => {
    if (!pattern.test(value) || value.length > max) {
      out.push({
        path,
        message: `${JSON.stringify(value)} is not a valid Kubernetes name`,
        fix: `use lower-case letters, digits and '-'${pattern === DNS_SUBDOMAIN ? " or '.'" : ""}, at most ${max} characters`,
      });
    }
  };
  name("namespace.name", s.namespace, DNS_LABEL, 63);
  name("secretName", s.secretName, DNS_SUBDOMAIN, 253);
  name("serviceAccountName", s.serviceAccountName, DNS_SUBDOMAIN, 253);
  name("leaderElection.namespace", s.leaseNamespace, DNS_LABEL, 63);
  name("leaderElection.name", s.leaseName, DNS_SUBDOMAIN, 253);
  if (s.createNamespace && BUILT_IN_NAMESPACES.includes(s.namespace)) {
    out.push({
      path: "namespace.create",
      message: `${s.namespace} is the cluster's own namespace; the stack would own it and delete it on destroy`,
      fix: "set create: false, or leave create out",
    });
  }
  out.push(...apiServerEndpointProblems(args.apiServerEndpoint));
  if (!Number.isInteger(s.logVerbosity) || s.logVerbosity < 0 || s.logVerbosity > 10) {
    out.push({
      path: "logVerbosity",
      message: `${s.logVerbosity} is not a log level`,
      fix: "write 0 to 10; 2 is upstream's",
    });
  }
  return out;
}

function apiServerEndpointProblems(e: CloudControllerManagerArgs["apiServerEndpoint"]): ArgProblem[] {
  if (e === undefined) return [];
  const out: ArgProblem[] = [];
  if (typeof e.host !== "string" || !/^[A-Za-z0-9.:-]+$/.test(e.host) || e.host.startsWith("[")) {
    out.push({
      path: "apiServerEndpoint.host",
      message: `${JSON.stringify(e.host)} is not a host name or IP address`,
      fix: "write the API server's host alone, e.g. 10.0.0.10 or api.example.com (no https://, port or brackets)",
    });
  }
  if (e.port === undefined) {
    out.push({ path: "apiServerEndpoint.port", message: "is missing", fix: "write the API server's port, e.g. 6443" });
  } else out.push(...portProblems("apiServerEndpoint.port", Number(e.port)));
  return out;
}

/** Runs the controller's loader on the rendered cloud config; its findings, by argument path. */
export function cloudConfigFindings(args: CloudControllerManagerArgs): Validation {
  const s = kubeSettings(args);
  const text = renderCloudConfig(args, { name: s.secretName, namespace: s.namespace })[CONFIG_FILE];
  const paths = new LoaderPaths(vcenterNames(args));
  try {
    const { warnings } = loadConfig(text);
    // "insecureFlag is not applied": refused below (tlsProblems), not repeated as a warning.
    const mapped = warnings.map((w: ConfigWarning) => paths.problem(w));
    return { problems: [], warnings: mapped.filter((w) => !/(^|\.)insecureFlag$/.test(w.path)) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { problems: err.problems.map((p: ConfigProblem) => paths.problem(p)), warnings: [] };
  }
}

/**
 * insecureFlag next to a thumbprint or CA bundle, inherited ones included. The controller loads
 * such an existing config (upstream's configs have them) and keeps checking the pin or CA; a stack
 * writes a new config, so it refuses the contradiction and says which to drop.
 */
function tlsProblems(args: CloudControllerManagerArgs): ArgProblem[] {
  const out: ArgProblem[] = [];
  (args.vcenters ?? []).forEach((vc, i) => {
    if (!(vc.insecureFlag || args.insecureFlag)) return;
    const path = vc.insecureFlag ? `vcenters[${i}].insecureFlag` : "insecureFlag";
    const own = (f: "thumbprint" | "caBundle") => (vc[f] !== undefined ? `vcenters[${i}].${f}` : f);
    const [what, at, fix] =
      (vc.thumbprint ?? args.thumbprint) !== undefined
        ? [
            "thumbprint pinned",
            own("thumbprint"),
            "remove insecureFlag (keep the pin, the safer choice) or remove the thumbprint",
          ]
        : (vc.caBundle ?? args.caBundle) !== undefined
          ? [
              "CA bundle",
              own("caBundle"),
              "remove insecureFlag (verify with the CA, the safer choice) or remove caBundle",
            ]
          : [];
    if (!what || out.some((p) => p.path === path)) return;
    out.push({ path, message: `turns certificate checks off, so the ${what} at \`${at}\` would be ignored`, fix });
  });
  return out;
}

/** YAML field names that differ from the argument's name. */
const ARG_OF_FIELD: Record<string, string> = { caFile: "caBundle", secretNamespace: "namespace.name" };

/** Maps the loader's keys (`vcenter.vc1.port (line 7)`) to argument paths (`vcenters[0].port`). */
class LoaderPaths {
  /** Regex source of a YAML key (its field captured), and the argument path of a field. */
  private readonly keys: { source: string; toPath: (field: string) => string }[];

  constructor(names: string[]) {
    const arg = (f: string) => ARG_OF_FIELD[f] ?? f;
    // Longest names first: an entry "vc" must not claim the keys of an entry "vc.example.com".
    const byLength = names.map((n, i) => ({ n, i })).sort((a, b) => b.n.length - a.n.length);
    this.keys = [
      ...byLength.map(({ n, i }) => ({
        // The loader writes a name that is not a plain identifier in double quotes.
        source: `vcenter\\.(?:${escape(n)}|${escape(JSON.stringify(n))})\\.`,
        toPath: (f: string) => `vcenters[${i}].${arg(f)}`,
      })),
      { source: "\\bglobal\\.", toPath: arg },
      { source: "\\blabels\\.", toPath: (f: string) => `labels.${f}` },
      { source: "\\bnodes\\.", toPath: (f: string) => `nodes.${f}` },
    ];
  }

  /** The argument path of a loader key, or undefined for keys that name no argument. */
  pathOf(key: string): string | undefined {
    if (key === "vcenter") return "vcenters";
    for (const { source, toPath } of this.keys) {
      const m = new RegExp(`^${source}([A-Za-z]+)$`).exec(key);
      if (m) return toPath(m[1]);
    }
    return undefined;
  }

  /** `text` with every YAML key in it (and its line) written as the argument path, in backticks. */
  rewrite(text: string): string {
    let out = text;
    for (const { source, toPath } of this.keys) {
      const key = new RegExp(`${source}([A-Za-z]+)(?: \\(line \\d+\\))?`, "g");
      out = out.replace(key, (_, f: string) => `\`${toPath(f)}\``);
    }
    return out;
  }

  problem(p: { key: string; message: string; fix?: string }): ArgProblem {
    const key = p.key.replace(/ \(line \d+\)$/, "");
    return {
      path: this.pathOf(key) ?? `cloud config ${key}`,
      message: this.rewrite(p.message),
      ...(p.fix ? { fix: this.rewrite(p.fix) } : {}),
    };
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
