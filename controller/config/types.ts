// Types of the configuration module: the document as written (before inheritance and defaults)
// and the effective configuration the controller runs with.
import type { ConnectionSettings, GlobalSettings, LabelSettings, NodeSettings } from "./schema.js";

export type ConfigFormat = "yaml" | "ini";
export type IpFamily = "ipv4" | "ipv6";

/** One thing wrong, named by the key as the operator wrote it, with what to do about it. */
export interface ConfigProblem {
  /** Key path in the operator's terms: `vcenter.vc1.port`, `[VirtualCenter "10.0.0.1"] port (line 7)`, `VSPHERE_INSECURE`. */
  key: string;
  message: string;
  fix: string;
  /** The file could not be read as a whole; later checks would only add noise. */
  syntax?: boolean;
}

/** A key or section the controller accepts and does not use. */
export interface IgnoredKey {
  key: string;
  reason: string;
}

/** Advice that does not stop the controller. */
export interface ConfigWarning {
  key: string;
  message: string;
}

/** Where a setting lives: a section, or one vCenter entry. */
export type Scope =
  { section: "global" } | { section: "vcenter"; name: string } | { section: "labels" } | { section: "nodes" };

/**
 * The configuration as written: every setting optional, nothing inherited, no defaults.
 * Parsers produce it, env overrides change it, `resolveConfig` turns it into a `Config`.
 */
export interface ConfigDocument {
  format: ConfigFormat;
  global: GlobalSettings;
  /** vCenter entries in file order, keyed by name (INI: the quoted section name). */
  vcenter: Map<string, ConnectionSettings>;
  labels: LabelSettings;
  nodes: NodeSettings;
  /** Where each set value came from, by `originId(scope, field)`: a key label with its line, or an env var. */
  origins: Map<string, string>;
  ignored: IgnoredKey[];
  warnings: ConfigWarning[];
  /** Problems found while reading; `resolveConfig` throws them with the rest. */
  problems: ConfigProblem[];
  /** Origin ids of values given but rejected, so they are not also reported as missing. */
  rejected: Set<string>;
}

/** Where the controller gets a vCenter's credentials when the config holds none, or vCenter rejects them. */
export type CredentialSource =
  /** Only `user`/`password` from the config. */
  | { kind: "config" }
  /** A Secret with `<server>.username`/`.password` (or `server_<id>`...) keys; `scope` says whose setting it is. */
  | { kind: "secret"; namespace: string; name: string; scope: "global" | "vcenter" }
  /** Files named like those keys in a directory. */
  | { kind: "directory"; path: string };

export interface VcenterConfig {
  /** The entry's name (upstream's tenant ref); often equal to `server`. */
  name: string;
  server: string;
  port: number;
  /**
   * The user/password logged in with first. Without a Secret or directory: the entry's, else
   * global's (required). With one: only the entry's own (global's for the entry made from
   * global.server), tried before the source, which is read when vCenter rejects them.
   */
  user?: string;
  password?: string;
  /** Empty: every datacenter the user can see. */
  datacenters: string[];
  insecureFlag: boolean;
  caFile?: string;
  thumbprint?: string;
  roundTripperCount: number;
  /** In priority order; more than one means dual stack. */
  ipFamily: IpFamily[];
  /** The Secret this vCenter's credentials come from (its own or the global one), if any. */
  secretName?: string;
  secretNamespace?: string;
  credentials: CredentialSource;
}

/** Global settings after defaults; each vCenter entry has already inherited from them. */
export interface GlobalConfig {
  server?: string;
  port: number;
  user?: string;
  password?: string;
  insecureFlag: boolean;
  datacenters: string[];
  caFile?: string;
  thumbprint?: string;
  roundTripperCount: number;
  ipFamily: IpFamily[];
  secretName?: string;
  secretNamespace?: string;
  secretsDirectory?: string;
}

export interface LabelsConfig {
  /** Tag category whose tag names become `topology.kubernetes.io/region`. */
  region?: string;
  /** Tag category whose tag names become `topology.kubernetes.io/zone`. */
  zone?: string;
}

export interface NodesConfig {
  internalNetworkSubnetCidr: string[];
  externalNetworkSubnetCidr: string[];
  internalVmNetworkName?: string;
  externalVmNetworkName?: string;
  excludeInternalNetworkSubnetCidr: string[];
  excludeExternalNetworkSubnetCidr: string[];
}

/** The effective configuration. */
export interface Config {
  global: GlobalConfig;
  vcenter: Record<string, VcenterConfig>;
  labels: LabelsConfig;
  nodes: NodesConfig;
}

/** What `loadConfig` returns: the configuration and what the operator should hear about it once. */
export interface LoadedConfig {
  config: Config;
  format: ConfigFormat;
  ignored: IgnoredKey[];
  warnings: ConfigWarning[];
}

/** Process environment, or any map of the same shape. */
export type Env = Readonly<Record<string, string | undefined>>;
