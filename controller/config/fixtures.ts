// Test fixtures for the configuration module: small builders for YAML and INI text and the shapes
// of upstream's sample configs. Imported only by tests.
import { stringify } from "yaml";
import { ConfigError } from "./errors.js";
import type { ConfigProblem } from "./types.js";

export const SEED = 20260819;

type Settings = Record<string, unknown>;

/** Upstream YAML from parts; sections left out are not written. */
export function yamlConfig(parts: {
  global?: Settings;
  vcenter?: Record<string, Settings | null>;
  labels?: Settings;
  nodes?: Settings;
  [other: string]: unknown;
}): string {
  return stringify(parts, { version: "1.1" });
}

/** INI from `[header, entries]` pairs; an entry value of `null` writes the key alone (a blank boolean). */
export function iniConfig(...sections: [header: string, entries?: Record<string, string | null>][]): string {
  return sections
    .map(([header, entries = {}]) =>
      [header, ...Object.entries(entries).map(([k, v]) => (v === null ? k : `${k} = ${v}`))].join("\n"),
    )
    .join("\n\n");
}

/** The problems a call throws as a ConfigError; fails the test if it throws anything else or nothing. */
export function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected a ConfigError, got none");
}

/** The message of the ConfigError a call throws. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError, got none");
}

/** The shape of upstream's multi-vCenter YAML sample (docs and config_yaml_test.go). */
export const UPSTREAM_YAML = `# Global properties in this section will be used for all specified vCenters unless overriden in VirtualCenter section.
global:
  port: 443
  # set insecureFlag to true if the vCenter uses a self-signed cert
  insecureFlag: true
  # settings for using k8s secret
  secretName: cpi-global-secret
  secretNamespace: kube-system

# vcenter section
vcenter:
  tenant1:
    server: 10.0.0.1
    datacenters:
      - datacenter1
    secretName: cpi-engineering-secret
    secretNamespace: kube-system

  tenant2:
    server: 10.0.0.2
    datacenters:
      - datacenter2
      - datacenter3
    secretName: cpi-finance-secret
    secretNamespace: kube-system

  tenant3:
    server: 10.0.0.3
    port: 8443
    datacenters:
      - datacenter4

# labels for regions and zones
labels:
  region: k8s-region
  zone: k8s-zone

nodes:
  internalNetworkSubnetCidr: 192.0.2.0/24
  externalNetworkSubnetCidr: 198.51.100.0/24
  excludeInternalNetworkSubnetCidr: "192.0.2.0/24,fe80::1/128"
`;

/** The shape of upstream's manifests/controller-manager/vsphere.conf, placeholders filled, plus in-tree sections. */
export const UPSTREAM_INI = `[Global]
# properties in this section will be used for all specified vCenters unless overridden in VirtualCenter section.

# If setting vCenter creds in a Kubernetes secret, set the following:
secret-name = "vsphere-cloud-secret"
secret-namespace = "kube-system"
service-account = "cloud-controller-manager" #Default: cloud-controller-manager
# Otherwise, you can globally set vCenter creds below
user = "administrator@vsphere.local"
password = "p@ss; word"

port = "443" #Optional
insecure-flag = "1" #set to 1 if the vCenter uses a self-signed cert
datacenters = "dc1, dc2"

[VirtualCenter "1.2.3.4"]
# Override specific properties for this Virtual Center.
        user = "cpi@vsphere.local"
        password = "other"
        # port, insecure-flag, datacenters will be used from Global section.

[VirtualCenter "10.0.0.1"]
# Override specific properties for this Virtual Center.
        port = "448"
        insecure-flag = "0"
        # user, password, datacenters will be used from Global section.

[Workspace]
server = "10.0.0.1"
datacenter = "dc1"
default-datastore = "vsanDatastore"
folder = "kubernetes"
resourcepool-path = "cluster/Resources"

[Disk]
scsicontrollertype = pvscsi

[Labels]
region = k8s-region
zone = k8s-zone
`;
