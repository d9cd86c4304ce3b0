import { describe, expect, it } from "vitest";
import { TAINT_UNINITIALIZED } from "../../controller/constants.js";
import { parseFlags } from "../../controller/flags.js";
import {
  CONTAINER_NAME,
  RUN_AS_USER,
  SECURE_PORT,
  ccmArgs,
  daemonSetSpec,
  type DaemonSetOptions,
} from "./daemonset.js";

const UPSTREAM_LEASE = { leaseNamespace: "kube-system", leaseName: "cloud-controller-manager" };

function options(over: Partial<DaemonSetOptions> = {}): DaemonSetOptions {
  return {
    selector: { "app.kubernetes.io/name": "vsphere-cloud-controller-manager" },
    podLabels: { "app.kubernetes.io/version": "0.1.0" },
    image: "registry.example.com/vsphere-cloud-controller-manager:0.1.0",
    serviceAccountName: "cloud-controller-manager",
    configMapName: "vsphere-cloud-config-0123456789",
    args: ccmArgs({ logVerbosity: 2, ...UPSTREAM_LEASE }),
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
    ...over,
  };
}

describe("ccmArgs", () => {
  it("is upstream manifest's arguments plus --leader-elect", () => {
    expect(ccmArgs({ logVerbosity: 2, ...UPSTREAM_LEASE })).toEqual([
      "--cloud-provider=vsphere",
      "--v=2",
      "--cloud-config=/etc/cloud/vsphere.conf",
      "--leader-elect=true",
    ]);
  });

  it("names the Lease only when it is not upstream's, and the controller's parser accepts them", () => {
    const args = ccmArgs({ logVerbosity: 4, leaseNamespace: "ccm", leaseName: "vsphere-ccm" });
    const { flags } = parseFlags(args);
    expect(flags).toMatchObject({
      cloudProvider: "vsphere",
      cloudConfig: "/etc/cloud/vsphere.conf",
      verbosity: 4,
      leaderElect: true,
      leaseNamespace: "ccm",
      leaseName: "vsphere-ccm",
      ignored: [],
    });
  });
});

describe("daemonSetSpec", () => {
  const spec = daemonSetSpec(options());
  const pod = spec.template.spec;
  const container = pod.containers[0];

  it("selects its pods by the selector labels, which the pod template carries", () => {
    expect(spec.selector).toEqual({ matchLabels: options().selector });
    expect(spec.template.metadata).toEqual({
      labels: { "app.kubernetes.io/version": "0.1.0", "app.kubernetes.io/name": "vsphere-cloud-controller-manager" },
    });
  });

  it("runs on control-plane nodes, before they are initialized or ready", () => {
    expect(pod.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] },
          ],
        },
      },
    });
    expect(pod.tolerations).toEqual([
      { key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" },
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(pod).toMatchObject({
      hostNetwork: true,
      dnsPolicy: "Default",
      priorityClassName: "system-node-critical",
      serviceAccountName: "cloud-controller-manager",
    });
  });

  it("runs as the image's non-root user with a read-only root and no capabilities", () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(RUN_AS_USER).toBe(65532);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("probes /healthz and /readyz over HTTPS on the secure port", () => {
    expect(SECURE_PORT).toBe(10258);
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/healthz", port: 10258, scheme: "HTTPS" } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: "/readyz", port: 10258, scheme: "HTTPS" } });
    expect(container.ports).toEqual([{ name: "https", containerPort: 10258, protocol: "TCP" }]);
  });

  it("mounts the cloud-config ConfigMap read-only at /etc/cloud and passes the arguments", () => {
    expect(container).toMatchObject({
      name: CONTAINER_NAME,
      image: "registry.example.com/vsphere-cloud-controller-manager:0.1.0",
      args: options().args,
      resources: { requests: { cpu: "100m", memory: "128Mi" } },
      volumeMounts: [{ name: "vsphere-config-volume", mountPath: "/etc/cloud", readOnly: true }],
    });
    expect(pod.volumes).toEqual([
      { name: "vsphere-config-volume", configMap: { name: "vsphere-cloud-config-0123456789" } },
    ]);
    expect(container.imagePullPolicy).toBeUndefined();
    const always = daemonSetSpec(options({ imagePullPolicy: "Always" })).template.spec;
    expect(always.containers[0]).toMatchObject({ imagePullPolicy: "Always" });
  });

  it("rolls one pod at a time", () => {
    expect(spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
  });

  it("leaves the API server address and the bind address to Kubernetes and upstream by default", () => {
    expect(container).not.toHaveProperty("env");
    expect(container.args).not.toContainEqual(expect.stringMatching(/^--bind-address/));
  });

  it("points the pods at the given API server endpoint instead of the Service", () => {
    const c = daemonSetSpec(options({ apiServerEndpoint: { host: "10.0.0.10", port: 6443 } })).template.spec
      .containers[0];
    expect(c.env).toEqual([
      { name: "KUBERNETES_SERVICE_HOST", value: "10.0.0.10" },
      { name: "KUBERNETES_SERVICE_PORT", value: "6443" },
    ]);
    expect(c.args).toEqual(options().args);
  });

  it("binds to the pod's IP, expanded by the kubelet, when asked; the controller's parser takes the flag", () => {
    const c = daemonSetSpec(options({ bindPodIp: true })).template.spec.containers[0];
    expect(c.env).toEqual([{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]);
    expect(c.args).toEqual([...options().args, "--bind-address=$(POD_IP)"]);
    const expanded = c.args.map((a) => a.replace("$(POD_IP)", "198.18.1.11"));
    expect(parseFlags(expanded).flags.bindAddress).toBe("198.18.1.11");
  });
});
