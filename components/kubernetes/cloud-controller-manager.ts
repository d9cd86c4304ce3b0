// The Kubernetes half of the vSphere cloud provider: namespace, ServiceAccount, RBAC, the
// credentials Secret, the content-named cloud-config ConfigMap and the CCM DaemonSet. The logic
// lives in the modules beside this one; this class only wires their results into resources.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGE_REPOSITORY, DEFAULT_RESOURCES, VERSION, kubeSettings } from "./args.js";
import type { CloudControllerManagerArgs, ImageArgs, KubeSettings } from "./args.js";
import { cloudConfigMapName, renderCloudConfig } from "./cloud-config.js";
import { credentialsData } from "./credentials.js";
import { ccmArgs, daemonSetSpec } from "./daemonset.js";
import { AUTHENTICATION_READER_ROLE, clusterRules, credentialsRules, leaderElectionRules } from "./rbac.js";
import { formatProblems, validateArgs } from "./validate.js";

export type * from "./args.js";

/** The component's type token. */
export const CCM_TYPE = "vsphere-ccm:kubernetes:CloudControllerManager";

/** Names of the CCM's objects; namespaced ones may share a name across namespaces. */
export const APP_NAME = "vsphere-cloud-controller-manager";

/** The labels that select the DaemonSet's pods: a selector cannot change, so neither may these. */
export const SELECTOR_LABELS = {
  "app.kubernetes.io/name": APP_NAME,
  "app.kubernetes.io/component": "cloud-controller-manager",
} as const;

/** Labels on every object. */
export const LABELS = {
  ...SELECTOR_LABELS,
  "app.kubernetes.io/part-of": "vsphere-cloud-provider",
  "app.kubernetes.io/managed-by": "pulumi",
} as const;

/** The `pulumi.com/skipAwait` annotation, when asked for. */
export function awaitAnnotations(skipAwait: boolean): Record<string, string> {
  return skipAwait ? { "pulumi.com/skipAwait": "true" } : {};
}

/** The names of the objects other things refer to, as the component gives them. */
export interface CcmObjectNames {
  namespace: string;
  configMapName: string;
  secretName: string;
}

/**
 * The namespace, cloud-config ConfigMap and Secret names for `args`, computed without creating
 * anything: what a stack reports when the operator applies the rendered YAML (`npm run render`).
 */
export function ccmObjectNames(args: CloudControllerManagerArgs): CcmObjectNames {
  const s = kubeSettings(args);
  const data = renderCloudConfig(args, { name: s.secretName, namespace: s.namespace });
  return { namespace: s.namespace, configMapName: cloudConfigMapName(data), secretName: s.secretName };
}

/** Builds an object's metadata: its name, namespace (for namespaced kinds), labels and annotations. */
type Meta = (name: pulumi.Input<string>, namespace?: pulumi.Input<string>) => k8s.types.input.meta.v1.ObjectMeta;

function metaWith(annotations: Record<string, string>): Meta {
  return (name, namespace) => ({
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...LABELS },
    // No empty map: the provider drops it from a Secret's state, and every preview would then
    // propose adding it back.
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  });
}

/**
 * The vSphere cloud-controller-manager in a Kubernetes cluster
 * (`vsphere-ccm:kubernetes:CloudControllerManager`). Arguments are checked all at once before
 * anything is created; a problem with the cloud config is reported as the controller would
 * report it at start-up. A namespace it did not create (`namespace.create: false`, or the
 * cluster's own such as `kube-system`) is never changed or deleted.
 */
export class CloudControllerManager extends pulumi.ComponentResource {
  /** The namespace of the Secret, ConfigMap, ServiceAccount and DaemonSet. */
  readonly namespace: pulumi.Output<string>;
  /** The cloud-config ConfigMap's name: `vsphere-cloud-config-<hash of its content>`. */
  readonly configMapName: pulumi.Output<string>;
  /** The credentials Secret's name. */
  readonly secretName: pulumi.Output<string>;
  /** The CCM's ServiceAccount name. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** The DaemonSet's name. */
  readonly daemonSetName: pulumi.Output<string>;

  constructor(name: string, args: CloudControllerManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CCM_TYPE, name, {}, opts);
    const { problems, warnings } = validateArgs(args);
    if (problems.length > 0) throw new pulumi.ResourceError(formatProblems(problems), this);
    for (const w of warnings) void pulumi.log.warn(`${w.path}: ${w.message}`, this);

    const s = kubeSettings(args);
    const meta = metaWith(awaitAnnotations(s.skipAwait));
    const parent = { parent: this };
    const namespace = s.createNamespace ? this.createNamespace(name, s.namespace, meta) : pulumi.output(s.namespace);
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata: meta(s.serviceAccountName, namespace) },
      parent,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      { metadata: meta(s.secretName, namespace), type: "Opaque", stringData: credentialsData(args.vcenters) },
      parent,
    );
    const data = renderCloudConfig(args, { name: s.secretName, namespace: s.namespace });
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-cloud-config`,
      // Content-named and never edited: a change is a new ConfigMap, which rolls the pods.
      { metadata: meta(cloudConfigMapName(data), namespace), data, immutable: true },
      parent,
    );
    // A Role in the namespace made here must wait for it: refer to it through its output.
    const inNamespace = (ns: string) => (ns === s.namespace ? namespace : ns);
    this.createRbac(name, s, serviceAccount, inNamespace, meta);
    const daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: meta(APP_NAME, namespace),
        spec: daemonSetSpec({
          selector: SELECTOR_LABELS,
          podLabels: { ...LABELS, "app.kubernetes.io/version": VERSION },
          ...imageOf(args.image),
          serviceAccountName: serviceAccount.metadata.name,
          configMapName: configMap.metadata.name,
          args: ccmArgs(s),
          resources: args.resources ?? DEFAULT_RESOURCES,
          apiServerEndpoint: args.apiServerEndpoint,
          bindPodIp: args.bindPodIp,
        }),
      },
      // The pods read the Secret at every vCenter login: it must exist before they start.
      { parent: this, dependsOn: [secret] },
    );

    this.namespace = namespace;
    this.configMapName = configMap.metadata.name;
    this.secretName = secret.metadata.name;
    this.serviceAccountName = serviceAccount.metadata.name;
    this.daemonSetName = daemonSet.metadata.name;
    this.registerOutputs({
      namespace: this.namespace,
      configMapName: this.configMapName,
      secretName: this.secretName,
      serviceAccountName: this.serviceAccountName,
      daemonSetName: this.daemonSetName,
    });
  }

  /** The namespace, labelled for the privileged Pod Security level hostNetwork needs. */
  private createNamespace(name: string, namespace: string, meta: Meta): pulumi.Output<string> {
    const metadata = meta(namespace);
    return new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { ...metadata, labels: { ...LABELS, "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    ).metadata.name;
  }

  /** The ClusterRole and the three Roles of rbac.ts, each bound to the ServiceAccount. */
  private createRbac(
    name: string,
    s: KubeSettings,
    serviceAccount: k8s.core.v1.ServiceAccount,
    inNamespace: (namespace: string) => pulumi.Input<string>,
    meta: Meta,
  ): void {
    const parent = { parent: this };
    const subjects = [
      { kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: serviceAccount.metadata.namespace },
    ];
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-cluster-role`,
      { metadata: meta(APP_NAME), rules: clusterRules() },
      parent,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-cluster-role-binding`,
      {
        metadata: meta(APP_NAME),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
        subjects,
      },
      parent,
    );
    const bindRole = (suffix: string, namespace: pulumi.Input<string>, rules: k8s.types.input.rbac.v1.PolicyRule[]) => {
      const role = new k8s.rbac.v1.Role(
        `${name}-${suffix}`,
        { metadata: meta(`${APP_NAME}-${suffix}`, namespace), rules },
        parent,
      );
      bindExisting(suffix, namespace, role.metadata.name);
    };
    const bindExisting = (suffix: string, namespace: pulumi.Input<string>, roleName: pulumi.Input<string>) =>
      new k8s.rbac.v1.RoleBinding(
        `${name}-${suffix}`,
        {
          metadata: meta(`${APP_NAME}-${suffix}`, namespace),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
          subjects,
        },
        parent,
      );
    bindRole("credentials-reader", inNamespace(s.namespace), credentialsRules(s.secretName));
    bindRole("leader-election", inNamespace(s.leaseNamespace), leaderElectionRules(s.leaseName));
    bindExisting("authentication-reader", inNamespace("kube-system"), AUTHENTICATION_READER_ROLE);
  }
}

/** The image reference (`repository:tag`, defaults filled in) and pull policy. */
function imageOf(image: ImageArgs = {}): { image: pulumi.Output<string>; imagePullPolicy?: string } {
  return {
    image: pulumi.interpolate`${image.repository ?? DEFAULT_IMAGE_REPOSITORY}:${image.tag ?? VERSION}`,
    imagePullPolicy: image.pullPolicy,
  };
}
