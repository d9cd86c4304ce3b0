// The cloud config the CCM reads: upstream's YAML `vsphere.conf`, rendered from the component's
// arguments, plus any CA bundles as files beside it in the same ConfigMap. The ConfigMap is
// named after a hash of its content, so a change makes a new ConfigMap and rolls the DaemonSet.
import { createHash } from "node:crypto";
import { Document } from "yaml";
import type { CloudControllerManagerArgs, NodeAddressArgs } from "./args.js";
import { vcenterNames } from "./args.js";

/** Where the DaemonSet mounts the ConfigMap. */
export const CONFIG_DIR = "/etc/cloud";
/** The cloud config's key in the ConfigMap, and its file name under {@link CONFIG_DIR}. */
export const CONFIG_FILE = "vsphere.conf";
/** The ConfigMap's name is this plus a hash of its data. */
export const CONFIG_MAP_PREFIX = "vsphere-cloud-config";

/** The ConfigMap key of the global CA bundle. */
export const GLOBAL_CA_KEY = "ca.pem";
/** The ConfigMap key of vCenter `index`'s own CA bundle. */
export const vcenterCaKey = (index: number): string => `vcenter-${index}-ca.pem`;

const HEADER =
  "# vsphere.conf for the vSphere cloud-controller-manager, written by Pulumi\n" +
  "# (components/kubernetes). Edit the stack, not this ConfigMap: it is replaced on every change.\n";

/** Where the credentials Secret is, for `global.secretName`/`secretNamespace`. */
export interface SecretRef {
  name: string;
  namespace: string;
}

/**
 * The ConfigMap's data: `vsphere.conf` and the CA bundles it names. Only keys the arguments set
 * are written; the controller applies its own defaults (port 443, verified TLS, ...).
 */
export function renderCloudConfig(args: CloudControllerManagerArgs, secret: SecretRef): Record<string, string> {
  const data: Record<string, string> = {};
  const caFile = (key: string, pem: string | undefined): string | undefined => {
    if (pem === undefined) return undefined;
    data[key] = pem;
    return `${CONFIG_DIR}/${key}`;
  };
  const names = vcenterNames(args);
  const vcenter = Object.fromEntries(
    (args.vcenters ?? []).map((vc, i) => [
      names[i],
      defined({
        server: vc.server,
        port: vc.port,
        datacenters: vc.datacenters?.length ? vc.datacenters : undefined,
        insecureFlag: vc.insecureFlag,
        caFile: caFile(vcenterCaKey(i), vc.caBundle),
        thumbprint: vc.thumbprint,
      }),
    ]),
  );
  const document = {
    global: defined({
      port: args.port,
      insecureFlag: args.insecureFlag,
      caFile: caFile(GLOBAL_CA_KEY, args.caBundle),
      thumbprint: args.thumbprint,
      secretName: secret.name,
      secretNamespace: secret.namespace,
    }),
    vcenter,
    labels: defined({ region: args.labels?.region, zone: args.labels?.zone }),
    nodes: nodesSection(args.nodes),
  };
  const sections = Object.fromEntries(Object.entries(document).filter(([, v]) => Object.keys(v).length > 0));
  // YAML 1.1, as upstream reads it: strings such as "yes" or "0443" come out quoted.
  data[CONFIG_FILE] = HEADER + new Document(sections, { version: "1.1" }).toString({ lineWidth: 0 });
  return data;
}

/** Upstream's types: CIDR lists are one comma-separated string. */
function nodesSection(nodes: NodeAddressArgs | undefined): Record<string, unknown> {
  const cidrs = (v: string[] | undefined) => (v?.length ? v.join(",") : undefined);
  return defined({
    internalNetworkSubnetCidr: cidrs(nodes?.internalNetworkSubnetCidr),
    externalNetworkSubnetCidr: cidrs(nodes?.externalNetworkSubnetCidr),
    internalVmNetworkName: nodes?.internalVmNetworkName,
    externalVmNetworkName: nodes?.externalVmNetworkName,
    excludeInternalNetworkSubnetCidr: cidrs(nodes?.excludeInternalNetworkSubnetCidr),
    excludeExternalNetworkSubnetCidr: cidrs(nodes?.excludeExternalNetworkSubnetCidr),
  });
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The ConfigMap's name: {@link CONFIG_MAP_PREFIX} and the first 10 hex digits of a SHA-256 over
 * its data (keys sorted), so equal content gives an equal name and any change a new one.
 */
export function cloudConfigMapName(data: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(data).sort()) hash.update(`${key}\u0000${data[key]}\u0000`);
  return `${CONFIG_MAP_PREFIX}-${hash.digest("hex").slice(0, 10)}`;
}
