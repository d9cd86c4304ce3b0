// The CCM's DaemonSet: one replica per control-plane node (leader election picks the active
// one), on the host network because it must run before the pod network exists: nodes keep the
// uninitialized taint, and CNI and CoreDNS wait, until a CCM initializes them.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { TAINT_UNINITIALIZED } from "../../controller/constants.js";
import { defaultFlags } from "../../controller/flags.js";
import { CONFIG_DIR, CONFIG_FILE } from "./cloud-config.js";

export const CONTAINER_NAME = "vsphere-cloud-controller-manager";
/** The image's user (controller/Dockerfile: `USER 65532:65532`). */
export const RUN_AS_USER = 65532;
/** The CCM's HTTPS port with /healthz and /readyz (controller/http/server.ts). */
export const SECURE_PORT = defaultFlags().securePort;
const CONFIG_VOLUME = "vsphere-config-volume";

export interface CcmArgsOptions {
  logVerbosity: number;
  leaseNamespace: string;
  leaseName: string;
}

/**
 * The container's arguments: upstream's manifest (`--cloud-provider=vsphere --v=2
 * --cloud-config=/etc/cloud/vsphere.conf`) plus `--leader-elect=true`, and the Lease flags only
 * when the Lease is not upstream's `kube-system/cloud-controller-manager`.
 */
export function ccmArgs(o: CcmArgsOptions): string[] {
  const flags = defaultFlags();
  const args = [
    "--cloud-provider=vsphere",
    `--v=${o.logVerbosity}`,
    `--cloud-config=${CONFIG_DIR}/${CONFIG_FILE}`,
    "--leader-elect=true",
  ];
  if (o.leaseNamespace !== flags.leaseNamespace) args.push(`--leader-elect-resource-namespace=${o.leaseNamespace}`);
  if (o.leaseName !== flags.leaseName) args.push(`--leader-elect-resource-name=${o.leaseName}`);
  return args;
}

export interface DaemonSetOptions {
  /** Pod labels; also the selector, so keep them stable (a selector cannot change). */
  selector: Record<string, string>;
  /** More pod labels (version, ...), not part of the selector. */
  podLabels?: Record<string, string>;
  image: pulumi.Input<string>;
  imagePullPolicy?: string;
  serviceAccountName: pulumi.Input<string>;
  configMapName: pulumi.Input<string>;
  args: string[];
  resources: k8s.types.input.core.v1.ResourceRequirements;
  /** The API server address for the pods, in place of the Service's (args.ts). */
  apiServerEndpoint?: { host: string; port: number };
  /** Serve on the pod's IP only (args.ts). */
  bindPodIp?: boolean;
}

/**
 * The container's environment: the API server endpoint, when given, overrides the Service
 * address the kubelet injects (a container's own `env` wins); POD_IP for `--bind-address`.
 */
export function containerEnv(o: Pick<DaemonSetOptions, "apiServerEndpoint" | "bindPodIp">) {
  const env: ({ name: string; value: string } | { name: string; valueFrom: { fieldRef: { fieldPath: string } } })[] =
    [];
  if (o.apiServerEndpoint) {
    env.push({ name: "KUBERNETES_SERVICE_HOST", value: o.apiServerEndpoint.host });
    env.push({ name: "KUBERNETES_SERVICE_PORT", value: String(o.apiServerEndpoint.port) });
  }
  if (o.bindPodIp) env.push({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
  return env;
}

/** The DaemonSet's spec (its concrete type inferred, so tests can read it without unwrapping Inputs). */
export function daemonSetSpec(o: DaemonSetOptions) {
  return {
    selector: { matchLabels: o.selector },
    // One pod at a time, so a leader or a warm standby keeps running through an upgrade.
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels: { ...o.podLabels, ...o.selector } },
      spec: podSpec(o),
    },
  } satisfies k8s.types.input.apps.v1.DaemonSetSpec;
}

function podSpec(o: DaemonSetOptions) {
  return {
    serviceAccountName: o.serviceAccountName,
    // Before any node is initialized there is no pod network and no cluster DNS.
    hostNetwork: true,
    // The node's resolver: cluster DNS cannot answer for vCenter before the CCM has run.
    dnsPolicy: "Default",
    priorityClassName: "system-node-critical",
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] },
          ],
        },
      },
    },
    tolerations: [
      // The taint this CCM removes: it must run on nodes that still carry it.
      { key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" },
      // Nodes are not ready until the CNI runs, which may wait for initialized nodes.
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [container(o)],
    volumes: [{ name: CONFIG_VOLUME, configMap: { name: o.configMapName } }],
  } satisfies k8s.types.input.core.v1.PodSpec;
}

function container(o: DaemonSetOptions) {
  const probe = (path: string, initialDelaySeconds: number) => ({
    httpGet: { path, port: SECURE_PORT, scheme: "HTTPS" },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
  return {
    name: CONTAINER_NAME,
    image: o.image,
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
    // $(POD_IP) is expanded by the kubelet from the container's env.
    args: o.bindPodIp ? [...o.args, "--bind-address=$(POD_IP)"] : o.args,
    ...(o.apiServerEndpoint || o.bindPodIp ? { env: containerEnv(o) } : {}),
    ports: [{ name: "https", containerPort: SECURE_PORT, protocol: "TCP" }],
    // /healthz answers once the server is up; /readyz once the Node informer and every
    // vCenter's inventory are synced, so a rollout stops at a pod that cannot reach vCenter.
    livenessProbe: probe("/healthz", 15),
    readinessProbe: probe("/readyz", 5),
    resources: o.resources,
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [{ name: CONFIG_VOLUME, mountPath: CONFIG_DIR, readOnly: true }],
  } satisfies k8s.types.input.core.v1.Container;
}
