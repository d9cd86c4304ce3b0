// From the document as written to the effective configuration: the global server becomes a vCenter
// entry, every entry inherits what it does not set from `global`, defaults fill the rest, and
// every problem (from reading, from the environment, from here) is thrown at once.
import { ConfigError, uniqueByKey } from "./errors.js";
import { keyLabel, labelOf, originId, sectionLabel } from "./document.js";
import { DEFAULTS, FIELDS, type ConnectionSettings } from "./schema.js";
import type {
  Config,
  ConfigDocument,
  ConfigProblem,
  ConfigWarning,
  CredentialSource,
  GlobalConfig,
  IpFamily,
  NodesConfig,
  Scope,
  VcenterConfig,
} from "./types.js";

const spec = (name: string) => {
  const s = FIELDS.find((x) => x.name === name);
  if (!s) throw new Error(`no field ${name}`);
  return s;
};

const GLOBAL: Scope = { section: "global" };

/** What resolving found: problems are thrown, warnings returned. */
interface Ctx {
  doc: ConfigDocument;
  problems: ConfigProblem[];
  warnings: ConfigWarning[];
}

/** The effective configuration of `doc`; throws one ConfigError listing every problem. */
export function resolveConfig(doc: ConfigDocument): Config {
  return resolveWithWarnings(doc).config;
}

/** As `resolveConfig`, also returning the document's warnings and those found while resolving. */
export function resolveWithWarnings(doc: ConfigDocument): { config: Config; warnings: ConfigWarning[] } {
  const secrets = passwords(doc);
  const syntax = doc.problems.filter((p) => p.syntax);
  if (syntax.length > 0) throw new ConfigError(syntax, { secrets });
  const ctx: Ctx = { doc, problems: [...doc.problems], warnings: [...doc.warnings] };
  const global = resolveGlobal(ctx);
  const vcenter: Record<string, VcenterConfig> = {};
  for (const [name, own] of vcenterEntries(doc)) {
    vcenter[name] = resolveVcenter(ctx, name, own, global);
  }
  const { problems } = ctx;
  if (Object.keys(vcenter).length === 0) {
    problems.push({
      key: doc.format === "ini" ? '[VirtualCenter "<server>"]' : "vcenter",
      message: "no vCenter is configured",
      fix:
        doc.format === "ini"
          ? 'add a [VirtualCenter "vcenter.example.com"] section, or server = <host> in [Global]'
          : "add global.server, or an entry under vcenter with its server",
    });
  }
  const nodes = resolveNodes(ctx);
  const unique = uniqueByKey(problems);
  if (unique.length > 0) throw new ConfigError(unique, { secrets });
  return { config: { global, vcenter, labels: { ...doc.labels }, nodes }, warnings: uniqueByKey(ctx.warnings) };
}

function passwords(doc: ConfigDocument): string[] {
  return [doc.global.password, ...[...doc.vcenter.values()].map((v) => v.password)].filter(
    (x): x is string => typeof x === "string",
  );
}

/** The entries as written, plus one for `global.server` unless an entry already has that name (upstream). */
function vcenterEntries(doc: ConfigDocument): [string, ConnectionSettings][] {
  const entries = [...doc.vcenter];
  const server = doc.global.server;
  if (server !== undefined && !doc.vcenter.has(server)) entries.unshift([server, { server }]);
  return entries;
}

function resolveGlobal({ doc, warnings }: Ctx): GlobalConfig {
  const g = doc.global;
  if (g.secretsDirectory !== undefined && g.secretName !== undefined) {
    // Upstream reads the directory and never the global Secret (connectionmanager.go): load it
    // the same, and say which one is used.
    warnings.push({
      key: labelOf(doc, GLOBAL, spec("secretName")),
      message:
        `is not used: the secrets directory ${g.secretsDirectory} (${labelOf(doc, GLOBAL, spec("secretsDirectory"))}) ` +
        "gives the credentials, as upstream; an entry's own secretName still applies to that entry",
    });
  }
  if (g.secretNamespace !== undefined && g.secretName === undefined) {
    const usedByEntries = [...doc.vcenter.values()].some((v) => v.secretName && v.secretNamespace === undefined);
    if (!usedByEntries) {
      warnings.push({
        key: labelOf(doc, GLOBAL, spec("secretNamespace")),
        message: "has no effect without secretName",
      });
    }
  }
  return dropUndefined({
    server: g.server,
    port: g.port ?? DEFAULTS.port,
    user: g.user,
    password: g.password,
    insecureFlag: g.insecureFlag ?? false,
    datacenters: g.datacenters ?? [],
    caFile: g.caFile,
    thumbprint: g.thumbprint,
    roundTripperCount: g.roundTripperCount ?? DEFAULTS.roundTripperCount,
    ipFamily: (g.ipFamily ?? [...DEFAULTS.ipFamily]) as IpFamily[],
    secretName: g.secretName,
    secretNamespace: g.secretName !== undefined ? (g.secretNamespace ?? DEFAULTS.secretNamespace) : g.secretNamespace,
    secretsDirectory: g.secretsDirectory,
  });
}

function resolveVcenter(ctx: Ctx, name: string, own: ConnectionSettings, global: GlobalConfig): VcenterConfig {
  const { doc, problems } = ctx;
  const scope: Scope = { section: "vcenter", name };
  const g = doc.global;
  if (own.server === undefined && !doc.rejected.has(originId(scope, "server"))) {
    problems.push({
      key: keyLabel(doc.format, scope, spec("server")),
      message: `the entry ${sectionLabel(doc.format, scope)} has no server`,
      fix: "add server: <host name or IP> (the entry's name is only a name)",
    });
  }
  const tls = {
    // Upstream ORs them (config_yaml.go, config_ini_legacy.go): an entry cannot turn global's off.
    insecureFlag: (own.insecureFlag ?? false) || (g.insecureFlag ?? false),
    thumbprint: own.thumbprint ?? g.thumbprint,
    caFile: own.caFile ?? g.caFile,
  };
  checkTls(ctx, scope, own, tls);
  const inherited = { user: own.user ?? g.user, password: own.password ?? g.password };
  const credentials = credentialSource(ctx, scope, own, global, inherited);
  const { user, password } = credentials.kind === "config" ? inherited : triedFirst(ctx, scope, own, credentials);
  const secret = credentials.kind === "secret" ? credentials : undefined;
  return dropUndefined({
    name,
    server: own.server ?? "",
    port: own.port ?? global.port,
    user,
    password,
    datacenters: own.datacenters ?? global.datacenters,
    ...tls,
    roundTripperCount: own.roundTripperCount ?? global.roundTripperCount,
    ipFamily: (own.ipFamily as IpFamily[] | undefined) ?? global.ipFamily,
    secretName: secret?.name,
    secretNamespace: secret?.namespace,
    credentials,
  });
}

/**
 * Turning certificate checks off while pinning a thumbprint or naming a CA is a contradiction that
 * upstream settles by not checking at all. Here the pin or the CA is kept (the safer reading) and
 * a warning says so, with what to do when the pin or CA does not match the vCenter.
 */
function checkTls(
  { doc, warnings }: Ctx,
  scope: Scope,
  own: ConnectionSettings,
  tls: { insecureFlag: boolean; thumbprint?: string; caFile?: string },
): void {
  // Name the key where the value was written: the entry's own, or global's.
  const label = (field: keyof ConnectionSettings) =>
    labelOf(doc, own[field] !== undefined ? scope : GLOBAL, spec(field));
  if (tls.insecureFlag && tls.thumbprint !== undefined) {
    warnings.push({
      key: label("insecureFlag"),
      message:
        `is not applied where the thumbprint pinned at ${label("thumbprint")} is: the pin is checked instead ` +
        "(upstream would skip every check); if the pin is stale, correct or remove the thumbprint",
    });
  } else if (tls.insecureFlag && tls.caFile !== undefined) {
    warnings.push({
      key: label("insecureFlag"),
      message:
        `is not applied where a CA bundle is named: the certificate is verified with the CA bundle at ${label("caFile")} ` +
        "(upstream would skip every check); if verification fails, correct or remove caFile",
    });
  }
  if (tls.thumbprint !== undefined && tls.caFile !== undefined) {
    warnings.push({
      key: label("caFile"),
      message: `is not used: the thumbprint pinned at ${label("thumbprint")} decides which certificate is accepted`,
    });
  }
}

/**
 * The user/password an entry with a Secret or directory logs in with first, before the source
 * (upstream's connectionmanager.Connect: the source only after vCenter rejects them). As upstream,
 * only the entry's own: an entry does not inherit global's when it has a source, except the entry
 * made from global.server, whose settings are global's. Half a pair is not tried (it could only
 * fail); both cases are warned about, as the operator may expect otherwise.
 */
function triedFirst(
  { doc, warnings }: Ctx,
  scope: Scope & { section: "vcenter" },
  own: ConnectionSettings,
  source: Exclude<CredentialSource, { kind: "config" }>,
): { user?: string; password?: string } {
  const fromGlobal = !doc.vcenter.has(scope.name);
  const where = fromGlobal ? GLOBAL : scope;
  const pair = fromGlobal ? { user: doc.global.user, password: doc.global.password } : own;
  const from =
    source.kind === "directory" ? `secrets directory ${source.path}` : `Secret ${source.namespace}/${source.name}`;
  const entry = sectionLabel(doc.format, scope);
  if (!fromGlobal && own.user === undefined && own.password === undefined) {
    for (const field of ["user", "password"] as const) {
      if (doc.global[field] === undefined) continue;
      warnings.push({
        key: labelOf(doc, GLOBAL, spec(field)),
        message:
          `is not used for ${entry}, which logs in with the credentials of ${from} ` +
          "(as upstream, an entry with a Secret or secrets directory does not inherit global user/password; " +
          "set them in the entry to have them tried first)",
      });
    }
  }
  if ((pair.user === undefined) !== (pair.password === undefined)) {
    const set = pair.user !== undefined ? "user" : "password";
    const unset = set === "user" ? "password" : "user";
    warnings.push({
      key: labelOf(doc, where, spec(set)),
      message: `is set without ${unset}, so it is not tried: ${entry} logs in with the credentials of ${from}`,
    });
    return {};
  }
  return dropUndefined({ user: pair.user, password: pair.password });
}

/**
 * Upstream's order: the entry's own Secret; else the global secrets directory or global Secret;
 * else only user/password from the config, which must then both be there. With a source, the
 * entry's own user/password (see `triedFirst`) are still tried first and the source is read when
 * vCenter rejects them (connectionmanager.go).
 */
function credentialSource(
  { doc, problems }: Ctx,
  scope: Scope & { section: "vcenter" },
  own: ConnectionSettings,
  global: GlobalConfig,
  inline: { user?: string; password?: string },
): CredentialSource {
  if (own.secretName !== undefined) {
    const namespace = own.secretNamespace ?? global.secretNamespace ?? DEFAULTS.secretNamespace;
    return { kind: "secret", name: own.secretName, namespace, scope: "vcenter" };
  }
  if (own.secretNamespace !== undefined) {
    problems.push({
      key: labelOf(doc, scope, spec("secretNamespace")),
      message: "is set without secretName",
      fix: "add secretName next to it, or remove it",
    });
  }
  if (global.secretsDirectory !== undefined) return { kind: "directory", path: global.secretsDirectory };
  if (global.secretName !== undefined) {
    return {
      kind: "secret",
      name: global.secretName,
      namespace: global.secretNamespace ?? DEFAULTS.secretNamespace,
      scope: "global",
    };
  }
  // The entry made from global.server exists only in global: name the keys there.
  const where = doc.vcenter.has(scope.name) ? scope : GLOBAL;
  for (const field of ["user", "password"] as const) {
    const rejected = doc.rejected.has(originId(scope, field)) || doc.rejected.has(originId(GLOBAL, field));
    if (inline[field] !== undefined || rejected) continue;
    problems.push({
      key: keyLabel(doc.format, where, spec(field)),
      message: `no credentials for ${sectionLabel(doc.format, scope)}: ${field} is not set here or in global, and no Secret is named`,
      fix: `set ${field} (here or in global), or name a Secret with secretName/secretNamespace, or set global secretsDirectory`,
    });
  }
  return { kind: "config" };
}

function resolveNodes({ doc, warnings }: Ctx): NodesConfig {
  const n = doc.nodes;
  if ((doc.labels.region === undefined) !== (doc.labels.zone === undefined)) {
    const missing = doc.labels.region === undefined ? "region" : "zone";
    warnings.push({
      key: labelOf(doc, { section: "labels" }, spec(missing)),
      message: "is not set, so zones and regions are off: both tag categories are needed",
    });
  }
  return dropUndefined({
    internalNetworkSubnetCidr: n.internalNetworkSubnetCidr ?? [],
    externalNetworkSubnetCidr: n.externalNetworkSubnetCidr ?? [],
    internalVmNetworkName: n.internalVmNetworkName,
    externalVmNetworkName: n.externalVmNetworkName,
    excludeInternalNetworkSubnetCidr: n.excludeInternalNetworkSubnetCidr ?? [],
    excludeExternalNetworkSubnetCidr: n.excludeExternalNetworkSubnetCidr ?? [],
  });
}

/** Leaves unset optional properties absent rather than `undefined`, so configs compare and print cleanly. */
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
