// VsphereCloudProvider: everything a cluster on vSphere needs for the CCM, in one component: the
// CCM's least-privilege vCenter access, its VM folder, the region/zone tags, and the Kubernetes
// side (namespace, RBAC, credentials Secret, cloud-config ConfigMap, DaemonSet).
import * as pulumi from "@pulumi/pulumi";
import { CcmVcenterAccess } from "./ccm-vcenter-access.js";
import { CloudControllerManager } from "./kubernetes/cloud-controller-manager.js";
import type { ApiServerEndpointArgs, ImageArgs, NamespaceArgs } from "./kubernetes/args.js";
import { Folder } from "./vcenter/index.js";
import { VsphereZones, type RegionLayout } from "./vsphere-zones.js";

export interface VsphereCloudProviderArgs {
  /** The vCenter the cluster runs on. */
  vcenter: {
    /** Host name or IP of vCenter, as the CCM pods reach it. */
    server: string;
    /** HTTPS port, default 443. */
    port?: number;
    /** Datacenters whose VMs are nodes, by name. */
    datacenters: string[];
    /** SHA-1 or SHA-256 thumbprint of vCenter's certificate, to pin it. */
    thumbprint?: string;
    /** PEM CA bundle vCenter's certificate chains to. */
    caBundle?: string;
    /** Skip certificate verification (labs only). */
    insecure?: boolean;
  };
  /** The account the CCM logs in with. It must already exist in vCenter SSO. */
  ccm: {
    /** Login name, e.g. `k8s-ccm@vsphere.local`. */
    username: pulumi.Input<string>;
    /** Its password (a Pulumi secret). */
    password: pulumi.Input<string>;
    /** SSO principal for the permissions, default derived from the username (`VSPHERE.LOCAL\k8s-ccm`). */
    principal?: pulumi.Input<string>;
    /** Take over permissions this principal already has on the same objects (restored on destroy). */
    adoptExistingPermissions?: boolean;
  };
  /** A VM folder for the cluster's nodes, under a datacenter's vm folder. */
  vmFolder?: { datacenter: string; path: string };
  /** Region/zone layout; categories default to k8s-region / k8s-zone and are adopted when they exist. */
  zones?: { regionCategory?: string; zoneCategory?: string; regions: RegionLayout[] };
  /** Kubernetes side. */
  kubernetes?: {
    namespace?: NamespaceArgs;
    image?: ImageArgs;
    skipAwait?: boolean;
    apiServerEndpoint?: ApiServerEndpointArgs;
    bindPodIp?: boolean;
  };
}

/** `user@domain.tld` -> `DOMAIN.TLD\user`, vCenter's principal spelling; other forms unchanged. */
export function principalOf(username: string): string {
  const m = /^([^@\\]+)@(.+)$/.exec(username);
  return m ? `${m[2].toUpperCase()}\\${m[1]}` : username;
}

export class VsphereCloudProvider extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;
  readonly folderPath: pulumi.Output<string | undefined>;
  readonly tagIds: pulumi.Output<Record<string, string>>;
  readonly namespace: pulumi.Output<string>;
  readonly configMapName: pulumi.Output<string>;
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: VsphereCloudProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsphere-ccm:index:VsphereCloudProvider", name, {}, opts);
    const p = { parent: this };
    const principal = args.ccm.principal ?? pulumi.output(args.ccm.username).apply(principalOf);
    const access = new CcmVcenterAccess(
      `${name}-access`,
      { principal, datacenters: args.vcenter.datacenters, adoptExisting: args.ccm.adoptExistingPermissions },
      p,
    );
    const folder = args.vmFolder ? new Folder(`${name}-folder`, args.vmFolder, p) : undefined;
    const zones = args.zones ? new VsphereZones(`${name}-zones`, args.zones, p) : undefined;
    const k8sDependsOn = [access, ...(zones ? [zones] : [])];
    const ccm = new CloudControllerManager(
      `${name}-ccm`,
      {
        vcenters: [
          {
            server: args.vcenter.server,
            port: args.vcenter.port,
            datacenters: args.vcenter.datacenters,
            thumbprint: args.vcenter.thumbprint,
            caBundle: args.vcenter.caBundle,
            insecureFlag: args.vcenter.insecure,
            username: args.ccm.username,
            password: args.ccm.password,
          },
        ],
        labels: args.zones
          ? { region: args.zones.regionCategory ?? "k8s-region", zone: args.zones.zoneCategory ?? "k8s-zone" }
          : undefined,
        namespace: args.kubernetes?.namespace,
        image: args.kubernetes?.image,
        skipAwait: args.kubernetes?.skipAwait,
        apiServerEndpoint: args.kubernetes?.apiServerEndpoint,
        bindPodIp: args.kubernetes?.bindPodIp,
      },
      { parent: this, dependsOn: k8sDependsOn },
    );
    this.roleName = access.roleName;
    this.folderPath = folder ? folder.inventoryPath.apply((x): string | undefined => x) : pulumi.output(undefined);
    this.tagIds = zones ? zones.tagIds : pulumi.output<Record<string, string>>({});
    this.namespace = ccm.namespace;
    this.configMapName = ccm.configMapName;
    this.secretName = ccm.secretName;
    this.registerOutputs({
      roleName: this.roleName,
      folderPath: this.folderPath,
      tagIds: this.tagIds,
      namespace: this.namespace,
      configMapName: this.configMapName,
      secretName: this.secretName,
    });
  }
}
