// The arguments of the CloudControllerManager component and their defaults. The cloud config
// keys keep the names of upstream's YAML `vsphere.conf` (docs/configuration.md), so a problem
// the controller's own loader finds maps back to the argument of the same name.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { defaultFlags } from "../../controller/flags.js";
import pkg from "../../package.json" with { type: "json" };

/** One vCenter the CCM watches: an entry under `vcenter` in the cloud config. */
export interface VcenterArgs {
  /**
   * The entry's name in the cloud config (upstream's "tenant ref"); only a name. Default: `server`.
   */
  name?: string;
  /** vCenter host name or IP address (IPv6 without brackets); no `https://`, path or port. */
  server: string;
  /** vCenter HTTPS port. Default: the top-level `port`, else 443. */
  port?: number;
  /** Datacenters holding node VMs. Default: every datacenter the user can see. */
  datacenters?: string[];
  /** Skip certificate verification for this vCenter. Labs only; refused with a thumbprint or CA bundle. */
  insecureFlag?: boolean;
  /**
   * PEM CA bundle to verify this vCenter's certificate with. Stored in the cloud-config
   * ConfigMap and referenced as `caFile`. Default: the top-level `caBundle`, else the system roots.
   */
  caBundle?: string;
  /** Pin this vCenter's certificate: SHA-1 (40 hex digits) or SHA-256 (64), any case, colons optional. */
  thumbprint?: string;
  /** The CCM's vCenter user (see docs for the privileges). Stored only in the credentials Secret, as a secret. */
  username: pulumi.Input<string>;
  /** Its password. Stored only in the credentials Secret, as a secret. */
  password: pulumi.Input<string>;
}

/** vSphere tag categories whose tags name regions and zones (the cloud config's `labels`). */
export interface ZoneLabelsArgs {
  /** Tag category whose tags become `topology.kubernetes.io/region`, e.g. `k8s-region`. */
  region?: string;
  /** Tag category whose tags become `topology.kubernetes.io/zone`, e.g. `k8s-zone`. Zones need both. */
  zone?: string;
}

/** Which VM addresses become the Node's (the cloud config's `nodes`); upstream's selection order. */
export interface NodeAddressArgs {
  /** InternalIP: the first address in these subnets (CIDRs). */
  internalNetworkSubnetCidr?: string[];
  /** ExternalIP: the first address in these subnets (CIDRs). */
  externalNetworkSubnetCidr?: string[];
  /** InternalIP: an address on the NIC attached to this vSphere network. */
  internalVmNetworkName?: string;
  /** ExternalIP: an address on the NIC attached to this vSphere network. */
  externalVmNetworkName?: string;
  /** Never use addresses in these subnets for InternalIP. */
  excludeInternalNetworkSubnetCidr?: string[];
  /** Never use addresses in these subnets for ExternalIP. */
  excludeExternalNetworkSubnetCidr?: string[];
}

/** Where the CCM's namespaced objects live. */
export interface NamespaceArgs {
  /** The namespace's name. Default: `vsphere-cloud-controller-manager`. */
  name?: string;
  /**
   * Create (and on destroy delete) the namespace, labelled for the `privileged` Pod Security
   * level the host-network DaemonSet needs. `false` uses an existing namespace as it is and
   * never changes or deletes it. Default: `true`, except for the namespaces Kubernetes creates
   * itself (`kube-system`, `kube-public`, `kube-node-lease`, `default`), which are never created.
   */
  create?: boolean;
}

/** The Lease the CCM replicas elect a leader with (`--leader-elect-resource-*`). */
export interface LeaderElectionArgs {
  /** The Lease's namespace. Default: `kube-system`, as upstream. */
  namespace?: string;
  /** The Lease's name. Default: `cloud-controller-manager`, as upstream. */
  name?: string;
}

/** The controller image. */
export interface ImageArgs {
  /** Image repository. Default: `vsphere-cloud-controller-manager` (the name controller/Dockerfile documents); set your registry's. */
  repository?: pulumi.Input<string>;
  /** Image tag. Default: this package's version from package.json. */
  tag?: pulumi.Input<string>;
  /** Pull policy. Default: Kubernetes' (IfNotPresent for a version tag). */
  pullPolicy?: "Always" | "IfNotPresent" | "Never";
}

/**
 * The API server address the CCM's pods use instead of the `kubernetes` Service. The CCM runs
 * before the pod network and, in clusters without kube-proxy, the Service address leads nowhere.
 */
export interface ApiServerEndpointArgs {
  /** Host name or IP address (IPv6 without brackets) every control-plane node can reach; no `https://`. */
  host: string;
  /** Its HTTPS port, e.g. 6443. */
  port: number;
}

/** The arguments of a {@link CloudControllerManager}. */
export interface CloudControllerManagerArgs {
  /** The vCenters whose VMs are the cluster's nodes. At least one. */
  vcenters: VcenterArgs[];
  /** Default HTTPS port of every vCenter (`global.port`). Default: 443. */
  port?: number;
  /** Skip certificate verification for every vCenter without its own setting. Labs only. */
  insecureFlag?: boolean;
  /** PEM CA bundle for every vCenter without its own (`global.caFile`, stored in the ConfigMap). */
  caBundle?: string;
  /** Certificate pin for every vCenter without its own (`global.thumbprint`). */
  thumbprint?: string;
  /** Tag categories for region and zone labels. Default: no zones. */
  labels?: ZoneLabelsArgs;
  /** Node address selection. Default: the first address of the configured IP family. */
  nodes?: NodeAddressArgs;
  /** Where the namespaced objects go. Default: a namespace of their own. */
  namespace?: NamespaceArgs;
  /** Name of the credentials Secret (keys `<server>.username`/`<server>.password`). Default: `vsphere-cloud-secret`. */
  secretName?: string;
  /** Name of the CCM's ServiceAccount. Default: `cloud-controller-manager`, as upstream. */
  serviceAccountName?: string;
  /** The leader-election Lease. Default: `kube-system/cloud-controller-manager`. */
  leaderElection?: LeaderElectionArgs;
  /** The controller image. Default: `vsphere-cloud-controller-manager:<package version>`. */
  image?: ImageArgs;
  /** Container resources. Default: requests 100m CPU / 128Mi, limit 512Mi memory, no CPU limit. */
  resources?: k8s.types.input.core.v1.ResourceRequirements;
  /** Log verbosity (`--v`), 0-10. Default: 2, as upstream. */
  logVerbosity?: number;
  /**
   * Reach the API server here (`KUBERNETES_SERVICE_HOST`/`_PORT` in the pods) instead of the
   * `kubernetes` Service the kubelet points pods at. Needed where no kube-proxy serves the Service
   * (kube-proxy-free CNIs, before the CNI runs). Default: the Service, as upstream.
   */
  apiServerEndpoint?: ApiServerEndpointArgs;
  /**
   * Serve `/healthz`, `/readyz` and `/metrics` on the pod's IP only (with the host network: the
   * node's InternalIP, where the kubelet probes), not on every address of the node
   * (`--bind-address=$(POD_IP)`). Default: false (every address, as upstream).
   */
  bindPodIp?: boolean;
  /**
   * Add `pulumi.com/skipAwait: "true"` to every object, so Pulumi does not wait for readiness.
   * For clusters where nothing runs pods (the local test apiserver). Default: false.
   */
  skipAwait?: boolean;
}

/** The package version: the image tag by default. */
export const VERSION: string = pkg.version;

export const DEFAULT_NAMESPACE = "vsphere-cloud-controller-manager";
export const DEFAULT_SECRET_NAME = "vsphere-cloud-secret";
export const DEFAULT_SERVICE_ACCOUNT_NAME = "cloud-controller-manager";
export const DEFAULT_IMAGE_REPOSITORY = "vsphere-cloud-controller-manager";
export const DEFAULT_LOG_VERBOSITY = 2;

/** Namespaces the cluster makes for itself: used as they are, never created or deleted. */
export const BUILT_IN_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease", "default"];

/**
 * Requests from the benchmark (a 5,000-VM inventory peaks near 142 MB RSS; idle CPU is near
 * zero): enough to schedule on a busy control plane. No CPU limit: throttling the start-up
 * inventory load or a lease renewal costs more than it protects.
 */
export const DEFAULT_RESOURCES = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { memory: "512Mi" },
} as const;

/** The Kubernetes-side settings with every default applied. */
export interface KubeSettings {
  namespace: string;
  createNamespace: boolean;
  secretName: string;
  serviceAccountName: string;
  leaseNamespace: string;
  leaseName: string;
  logVerbosity: number;
  skipAwait: boolean;
}

export function kubeSettings(args: CloudControllerManagerArgs): KubeSettings {
  const namespace = args.namespace?.name ?? DEFAULT_NAMESPACE;
  const flags = defaultFlags();
  return {
    namespace,
    createNamespace: args.namespace?.create ?? !BUILT_IN_NAMESPACES.includes(namespace),
    secretName: args.secretName ?? DEFAULT_SECRET_NAME,
    serviceAccountName: args.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT_NAME,
    leaseNamespace: args.leaderElection?.namespace ?? flags.leaseNamespace,
    leaseName: args.leaderElection?.name ?? flags.leaseName,
    logVerbosity: args.logVerbosity ?? DEFAULT_LOG_VERBOSITY,
    skipAwait: args.skipAwait ?? false,
  };
}

/** The entry names of the vCenters, in order (a name defaults to the server). */
export function vcenterNames(args: Pick<CloudControllerManagerArgs, "vcenters">): string[] {
  return (args.vcenters ?? []).map((vc) => vc.name ?? vc.server ?? "");
}
