// VsphereCloudProvider: everything a cluster on vSphere needs for the CCM, in one component: the
// CCM's least-privilege vCenter access, its VM folder, the region/zone tags, and the Kubernetes
// side (namespace, RBAC, credentials Secret, cloud-config ConfigMap, DaemonSet). With
// `kubernetes.deploy: false` the Kubernetes side is left to the operator (GitOps): `npm run
// render` writes the same objects as YAML, from the same `ccmArgsOf`.
import * as pulumi from "@pulumi/pulumi";
import { CcmVcenterAccess } from "./ccm-vcenter-access.js";
import { CloudControllerManager, ccmObjectNames } from "./kubernetes/cloud-controller-manager.js";
import type { ApiServerEndpointArgs, CloudControllerManagerArgs, ImageArgs, NamespaceArgs } from "./kubernetes/args.js";
import { formatProblems, validateArgs } from "./kubernetes/validate.js";
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
    /**
     * Create the Kubernetes objects with Pulumi. `false` leaves them to the operator, who applies
     * the YAML `npm run render` writes (kubectl, Argo CD, Flux). Default: true.
     */
    deploy?: boolean;
    namespace?: NamespaceArgs;
    image?: ImageArgs;
    skipAwait?: boolean;
    apiServerEndpoint?: ApiServerEndpointArgs;
    bindPodIp?: boolean;
  };
}

/**
 * The CloudControllerManager's arguments for a stack: the one mapping both `pulumi up` and
 * `npm run render` use, so the objects they make cannot drift apart.
 */
export function ccmArgsOf(args: VsphereCloudProviderArgs): CloudControllerManagerArgs {
  return {
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
    const kube = this.kubernetesSide(name, args, [access, ...(zones ? [zones] : [])]);
    this.roleName = access.roleName;
    this.folderPath = folder ? folder.inventoryPath.apply((x): string | undefined => x) : pulumi.output(undefined);
    this.tagIds = zones ? zones.tagIds : pulumi.output<Record<string, string>>({});
    this.namespace = kube.namespace;
    this.configMapName = kube.configMapName;
    this.secretName = kube.secretName;
    this.registerOutputs({
      roleName: this.roleName,
      folderPath: this.folderPath,
      tagIds: this.tagIds,
      namespace: this.namespace,
      configMapName: this.configMapName,
      secretName: this.secretName,
    });
  }

  /**
   * The CloudControllerManager, or, when the stack leaves Kubernetes to the operator, only its
   * checks and the names the rendered objects carry (the same outputs either way).
   */
  private kubernetesSide(name: string, args: VsphereCloudProviderArgs, dependsOn: pulumi.Resource[]) {
    const ccmArgs = ccmArgsOf(args);
    if (args.kubernetes?.deploy !== false) {
      return new CloudControllerManager(`${name}-ccm`, ccmArgs, { parent: this, dependsOn });
    }
    const { problems } = validateArgs(ccmArgs);
    if (problems.length > 0) throw new pulumi.ResourceError(formatProblems(problems), this);
    const names = ccmObjectNames(ccmArgs);
    return {
      namespace: pulumi.output(names.namespace),
      configMapName: pulumi.output(names.configMapName),
      secretName: pulumi.output(names.secretName),
    };
  }
}
