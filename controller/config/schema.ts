// The one table of configuration keys: how each is spelled in the YAML format, the legacy INI
// format and the environment, its value type and where it may appear. Both parsers, the env
// overrides, the YAML writer and the docs test read this table, so a key cannot be known to one
// and missing from another.

/** Value types; each has one coercion in values.ts. */
export type FieldType =
  | "string" // free text
  | "secret" // free text that never appears in messages
  | "server" // host name or IP address, no scheme, path or port
  | "bool"
  | "port" // 1-65535
  | "count" // positive integer; 0 means unset
  | "list" // comma-separated in INI and env, a sequence (or comma string) in YAML
  | "ipFamily" // list of ipv4 / ipv6
  | "cidrs" // comma-separated CIDRs
  | "thumbprint"; // SHA-1 or SHA-256 certificate fingerprint

/** Settings a vCenter entry may carry; in `global` they are the defaults every entry inherits. */
export interface ConnectionSettings {
  user?: string;
  password?: string;
  server?: string;
  port?: number;
  insecureFlag?: boolean;
  datacenters?: string[];
  roundTripperCount?: number;
  caFile?: string;
  thumbprint?: string;
  secretName?: string;
  secretNamespace?: string;
  ipFamily?: string[];
}

export interface GlobalSettings extends ConnectionSettings {
  secretsDirectory?: string;
}

export interface LabelSettings {
  region?: string;
  zone?: string;
}

export interface NodeSettings {
  internalNetworkSubnetCidr?: string[];
  externalNetworkSubnetCidr?: string[];
  internalVmNetworkName?: string;
  externalVmNetworkName?: string;
  excludeInternalNetworkSubnetCidr?: string[];
  excludeExternalNetworkSubnetCidr?: string[];
}

/** The sections of the effective configuration. */
export type SectionName = "global" | "vcenter" | "labels" | "nodes";

export interface FieldSpec {
  /** Canonical name (the property of the settings object). */
  readonly name: string;
  readonly yaml: string;
  readonly ini: string;
  readonly type: FieldType;
  /** Sections that accept the key. */
  readonly sections: readonly SectionName[];
  /** Global environment override (upstream's names unless `envExtension`). */
  readonly env?: string;
  /** Per-vCenter override suffix: `VCENTER_<id>_<suffix>`. */
  readonly vcenterEnv?: string;
  /** True when the env name is ours, not upstream's. */
  readonly envExtension?: boolean;
  /** One line for docs and messages. */
  readonly doc: string;
}

const connection = ["global", "vcenter"] as const;

export const FIELDS: readonly FieldSpec[] = [
  f("server", "server", "server", "server", connection, "VSPHERE_VCENTER", "SERVER", "vCenter host name or IP address"),
  f("port", "port", "port", "port", connection, "VSPHERE_VCENTER_PORT", "PORT", "vCenter HTTPS port"),
  f("user", "user", "user", "string", connection, "VSPHERE_USER", "USERNAME", "vCenter user name"),
  f("password", "password", "password", "secret", connection, "VSPHERE_PASSWORD", "PASSWORD", "vCenter password"),
  f(
    "insecureFlag",
    "insecureFlag",
    "insecure-flag",
    "bool",
    connection,
    "VSPHERE_INSECURE",
    "INSECURE",
    "skip TLS certificate verification",
  ),
  f(
    "datacenters",
    "datacenters",
    "datacenters",
    "list",
    connection,
    "VSPHERE_DATACENTER",
    "DATACENTERS",
    "datacenters holding node VMs",
  ),
  f(
    "roundTripperCount",
    "soapRoundtripCount",
    "soap-roundtrip-count",
    "count",
    connection,
    "VSPHERE_ROUNDTRIP_COUNT",
    "ROUNDTRIP",
    "SOAP attempts per call on temporary network errors",
  ),
  f("caFile", "caFile", "ca-file", "string", connection, "VSPHERE_CAFILE", "CAFILE", "PEM CA bundle to verify vCenter"),
  f(
    "thumbprint",
    "thumbprint",
    "thumbprint",
    "thumbprint",
    connection,
    "VSPHERE_THUMBPRINT",
    "THUMBPRINT",
    "pinned certificate fingerprint (SHA-1 or SHA-256)",
  ),
  f(
    "secretName",
    "secretName",
    "secret-name",
    "string",
    connection,
    "VSPHERE_SECRET_NAME",
    "SECRET_NAME",
    "Secret holding vCenter credentials",
  ),
  f(
    "secretNamespace",
    "secretNamespace",
    "secret-namespace",
    "string",
    connection,
    "VSPHERE_SECRET_NAMESPACE",
    "SECRET_NAMESPACE",
    "namespace of that Secret",
  ),
  f(
    "secretsDirectory",
    "secretsDirectory",
    "secrets-directory",
    "string",
    ["global"],
    "VSPHERE_SECRETS_DIRECTORY",
    undefined,
    "directory of credential files (instead of a Secret)",
  ),
  f(
    "ipFamily",
    "ipFamily",
    "ip-family",
    "ipFamily",
    connection,
    undefined,
    "IP_FAMILY",
    "IP families, in priority order",
  ),
  f("region", "region", "region", "string", ["labels"], "VSPHERE_LABEL_REGION", undefined, "tag category for regions"),
  f("zone", "zone", "zone", "string", ["labels"], "VSPHERE_LABEL_ZONE", undefined, "tag category for zones"),
  f(
    "internalNetworkSubnetCidr",
    "internalNetworkSubnetCidr",
    "internal-network-subnet-cidr",
    "cidrs",
    ["nodes"],
    "VSPHERE_NODES_INTERNAL_NETWORK_SUBNET_CIDR",
    undefined,
    "InternalIP comes from these subnets",
  ),
  f(
    "externalNetworkSubnetCidr",
    "externalNetworkSubnetCidr",
    "external-network-subnet-cidr",
    "cidrs",
    ["nodes"],
    "VSPHERE_NODES_EXTERNAL_NETWORK_SUBNET_CIDR",
    undefined,
    "ExternalIP comes from these subnets",
  ),
  f(
    "internalVmNetworkName",
    "internalVmNetworkName",
    "internal-vm-network-name",
    "string",
    ["nodes"],
    "VSPHERE_NODES_INTERNAL_VM_NETWORK_NAME",
    undefined,
    "InternalIP comes from the NIC on this network",
  ),
  f(
    "externalVmNetworkName",
    "externalVmNetworkName",
    "external-vm-network-name",
    "string",
    ["nodes"],
    "VSPHERE_NODES_EXTERNAL_VM_NETWORK_NAME",
    undefined,
    "ExternalIP comes from the NIC on this network",
  ),
  {
    ...f(
      "excludeInternalNetworkSubnetCidr",
      "excludeInternalNetworkSubnetCidr",
      "exclude-internal-network-subnet-cidr",
      "cidrs",
      ["nodes"],
      "VSPHERE_NODES_EXCLUDE_INTERNAL_NETWORK_SUBNET_CIDR",
      undefined,
      "never use these subnets for InternalIP",
    ),
    envExtension: true,
  },
  {
    ...f(
      "excludeExternalNetworkSubnetCidr",
      "excludeExternalNetworkSubnetCidr",
      "exclude-external-network-subnet-cidr",
      "cidrs",
      ["nodes"],
      "VSPHERE_NODES_EXCLUDE_EXTERNAL_NETWORK_SUBNET_CIDR",
      undefined,
      "never use these subnets for ExternalIP",
    ),
    envExtension: true,
  },
];

function f(
  name: string,
  yaml: string,
  ini: string,
  type: FieldType,
  sections: readonly SectionName[],
  env: string | undefined,
  vcenterEnv: string | undefined,
  doc: string,
): FieldSpec {
  return { name, yaml, ini, type, sections, doc, ...(env ? { env } : {}), ...(vcenterEnv ? { vcenterEnv } : {}) };
}

export function fieldsOf(section: SectionName): FieldSpec[] {
  return FIELDS.filter((x) => x.sections.includes(section));
}

export function fieldByYaml(section: SectionName, key: string): FieldSpec | undefined {
  return FIELDS.find((x) => x.sections.includes(section) && x.yaml === key);
}

/** INI names are case-insensitive, as in gcfg. */
export function fieldByIni(section: SectionName, key: string): FieldSpec | undefined {
  const k = key.toLowerCase();
  return FIELDS.find((x) => x.sections.includes(section) && x.ini === k);
}

/**
 * The TLS keys as the operator writes them in `format`, for the vSphere client's certificate
 * errors (`TlsSettingNames`): `caFile`/`thumbprint`/`insecureFlag: true` in YAML,
 * `ca-file`/`thumbprint`/`insecure-flag = true` in INI.
 */
export function tlsSettingNames(format: "yaml" | "ini"): { caFile: string; thumbprint: string; insecure: string } {
  const key = (name: string) => {
    const spec = FIELDS.find((x) => x.name === name);
    if (!spec) throw new Error(`no field ${name}`);
    return spec[format];
  };
  const insecure = key("insecureFlag");
  return {
    caFile: key("caFile"),
    thumbprint: key("thumbprint"),
    insecure: format === "yaml" ? `${insecure}: true` : `${insecure} = true`,
  };
}

/** Section names as written in each format. */
export const SECTION_NAMES = {
  yaml: { global: "global", vcenter: "vcenter", labels: "labels", nodes: "nodes" },
  ini: { global: "Global", vcenter: "VirtualCenter", labels: "Labels", nodes: "Nodes" },
} as const;

const LB = "NSX-T load balancers are not implemented by this controller; run upstream's CCM if you need them";
const ROUTES = "NSX-T routes are not implemented by this controller; run upstream's CCM if you need them";
const NSXT = "NSX-T settings serve load balancers and routes, which this controller does not implement";
const VCP = "the in-tree volume plugin's setting; volumes are the vSphere CSI driver's job, not the CCM's";
const API = "upstream's retired vSphere CCM API; this controller serves health and metrics on port 10258 instead";

/** Sections the controller accepts and ignores, with the reason given to the operator. Keys lower-case. */
export const IGNORED_SECTIONS: Readonly<Record<string, string>> = {
  workspace: `${VCP} ([Workspace] is where the in-tree plugin created volumes)`,
  disk: `${VCP} ([Disk] chose the SCSI controller type)`,
  network:
    "the in-tree provider's public-network; to keep choosing node addresses from that network, " +
    "set nodes.internalVmNetworkName (and externalVmNetworkName) to its name",
  nsxt: NSXT,
  loadbalancer: LB,
  loadbalancerclass: LB,
  route: ROUTES,
};

/** Known keys the controller accepts and ignores. Lower-case INI names and YAML names both listed. */
export const IGNORED_KEYS: Readonly<Record<string, string>> = {
  "api-disable": API,
  "api-binding": API,
  apidisable: API,
  apibinding: API,
  datastore: VCP,
  "default-datastore": VCP,
  "working-dir":
    "the in-tree provider's VM folder for finding node VMs; the CCM finds VMs by BIOS UUID, name or IP anywhere " +
    "in the datacenters",
  "vm-uuid": "in-tree node self-identification; the CCM reads the VM from the Node's system UUID",
  "vm-name": "in-tree node self-identification; the CCM reads the VM from the Node's system UUID",
  "service-account": "not read by the controller; the ServiceAccount is set in its DaemonSet",
  cns: "in-tree CNS switch; volumes are the vSphere CSI driver's job",
};

/** Upstream's defaults (pkg/common/config/consts_and_errors.go), plus the Secret namespace. */
export const DEFAULTS = {
  port: 443,
  roundTripperCount: 3,
  ipFamily: ["ipv4"],
  secretNamespace: "kube-system",
} as const;
