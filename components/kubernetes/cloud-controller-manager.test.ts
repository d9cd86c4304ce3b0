// The component's wiring, with the Pulumi engine replaced by setMocks: which objects it makes,
// where, with what names, and that they all hang under it.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc.js";
import * as settings from "@pulumi/pulumi/runtime/settings.js";
import { beforeEach, describe, expect, it } from "vitest";
import { VERSION } from "./args.js";
import { CCM_TYPE, CloudControllerManager, ccmObjectNames } from "./cloud-controller-manager.js";
import { THUMBPRINT, ccmArgsWith, vcenter } from "./fixtures.js";
import type { CloudControllerManagerArgs } from "./args.js";

// The mock engine hands over inputs as untyped JSON; the assertions read them as such.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call */
interface Created {
  type: string;
  name: string;
  inputs: any;
}

/** Internal SDK hooks (present at runtime, not in the typings): the mock monitor and the RPC queue. */
const sdk = settings as unknown as {
  getMonitor(): { getRegisteredResources(): Map<string, unknown> };
  waitForRPCs(): Promise<void>;
};

let created: Created[];

beforeEach(async () => {
  created = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        if (a.custom) created.push({ type: a.type, name: a.name, inputs: a.inputs });
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: (a) => a.inputs,
    },
    "project",
    "stack",
    false,
  );
});

/** Builds the component and waits until every registration reached the mock engine. */
async function build(args: CloudControllerManagerArgs): Promise<CloudControllerManager> {
  const ccm = new CloudControllerManager("ccm", args);
  await sdk.waitForRPCs();
  return ccm;
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const ofType = (kind: string) => created.filter((c) => c.type === `kubernetes:${kind}`);
const one = (kind: string) => {
  const all = ofType(kind);
  expect(all, kind).toHaveLength(1);
  return all[0];
};

describe("CloudControllerManager", () => {
  it("makes the namespace, ServiceAccount, RBAC, Secret, ConfigMap and DaemonSet", async () => {
    await build(ccmArgsWith());
    expect(created.map((c) => c.type).sort()).toEqual(
      [
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      ].sort(),
    );
  });

  it("reports the names it gives, and ccmObjectNames computes the same ones without creating anything", async () => {
    for (const args of [ccmArgsWith(), ccmArgsWith({ namespace: { name: "kube-system" }, secretName: "creds" })]) {
      created = [];
      const ccm = await build(args);
      const names = ccmObjectNames(args);
      expect(names).toEqual({
        namespace: await valueOf(ccm.namespace),
        configMapName: one("core/v1:ConfigMap").inputs.metadata.name,
        secretName: one("core/v1:Secret").inputs.metadata.name,
      });
      expect(names.configMapName).toMatch(/^vsphere-cloud-config-[0-9a-f]{10}$/);
    }
  });

  it("is the parent of every object it makes", async () => {
    await build(ccmArgsWith());
    const urns = [...sdk.getMonitor().getRegisteredResources().keys()];
    const own = urns.filter((u) => u.endsWith(`::${CCM_TYPE}::ccm`));
    expect(own).toHaveLength(1);
    const children = urns.filter((u) => !own.includes(u));
    expect(children).toHaveLength(created.length);
    for (const urn of children) expect(urn).toContain(`::${CCM_TYPE}$kubernetes:`);
  });

  it("creates its own namespace at the privileged Pod Security level, and puts everything in it", async () => {
    const ccm = await build(ccmArgsWith());
    const ns = one("core/v1:Namespace").inputs.metadata;
    expect(ns.name).toBe("vsphere-cloud-controller-manager");
    expect(ns.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    for (const kind of ["core/v1:Secret", "core/v1:ConfigMap", "core/v1:ServiceAccount", "apps/v1:DaemonSet"]) {
      expect(one(kind).inputs.metadata.namespace, kind).toBe("vsphere-cloud-controller-manager");
    }
    expect(await valueOf(ccm.namespace)).toBe("vsphere-cloud-controller-manager");
  });

  it("never creates kube-system (or a namespace it is told exists), and uses it as it is", async () => {
    for (const namespace of [{ name: "kube-system" }, { name: "platform", create: false }]) {
      created = [];
      const ccm = await build(ccmArgsWith({ namespace }));
      expect(ofType("core/v1:Namespace")).toEqual([]);
      expect(await valueOf(ccm.namespace)).toBe(namespace.name);
      expect(one("core/v1:Secret").inputs.metadata.namespace).toBe(namespace.name);
      expect(one("apps/v1:DaemonSet").inputs.metadata.namespace).toBe(namespace.name);
    }
  });

  it("reports its objects' names as outputs", async () => {
    const ccm = await build(ccmArgsWith({ secretName: "vc-creds", serviceAccountName: "vsphere-ccm" }));
    expect(await valueOf(ccm.secretName)).toBe("vc-creds");
    expect(await valueOf(ccm.serviceAccountName)).toBe("vsphere-ccm");
    expect(await valueOf(ccm.daemonSetName)).toBe("vsphere-cloud-controller-manager");
    expect(await valueOf(ccm.configMapName)).toMatch(/^vsphere-cloud-config-[0-9a-f]{10}$/);
    expect(one("core/v1:ConfigMap").inputs.metadata.name).toBe(await valueOf(ccm.configMapName));
  });

  it("stores the credentials in upstream's keys as secret inputs, and the cloud config names that Secret", async () => {
    const ccm = await build(
      ccmArgsWith({ vcenters: [vcenter({ username: "ccm@vsphere.local", password: pulumi.secret("pw") })] }),
    );
    const stringData = one("core/v1:Secret").inputs.stringData;
    expect(stringData[specialSigKey]).toBe(specialSecretSig);
    expect(stringData.value).toEqual({
      "vc.example.com.username": "ccm@vsphere.local",
      "vc.example.com.password": "pw",
    });
    const conf: string = one("core/v1:ConfigMap").inputs.data["vsphere.conf"];
    expect(conf).toContain("secretName: vsphere-cloud-secret\n  secretNamespace: vsphere-cloud-controller-manager\n");
    expect(conf).not.toContain("pw");
    expect(await valueOf(ccm.secretName)).toBe("vsphere-cloud-secret");
  });

  it("names the ConfigMap after its content, so a config change makes a new one the DaemonSet mounts", async () => {
    const nameWith = async (args: CloudControllerManagerArgs) => {
      created = [];
      const ccm = await build(args);
      const ds = one("apps/v1:DaemonSet").inputs;
      const name = await valueOf(ccm.configMapName);
      expect(ds.spec.template.spec.volumes[0].configMap.name).toBe(name);
      return name;
    };
    const base = await nameWith(ccmArgsWith());
    expect(await nameWith(ccmArgsWith())).toBe(base);
    expect(await nameWith(ccmArgsWith({ thumbprint: THUMBPRINT }))).not.toBe(base);
    expect(await nameWith(ccmArgsWith({ labels: { region: "r", zone: "z" } }))).not.toBe(base);
    // Credentials are not in the ConfigMap: a new password changes the Secret, not the pods.
    expect(await nameWith(ccmArgsWith({ vcenters: [vcenter({ datacenters: ["dc1"], password: "other" })] }))).toBe(
      base,
    );
  });

  it("marks the ConfigMap immutable", async () => {
    await build(ccmArgsWith());
    expect(one("core/v1:ConfigMap").inputs.immutable).toBe(true);
  });

  it("adds pulumi.com/skipAwait to every object when asked, and to none otherwise", async () => {
    await build(ccmArgsWith({ skipAwait: true }));
    for (const c of created) expect(c.inputs.metadata.annotations, c.type).toEqual({ "pulumi.com/skipAwait": "true" });
    created = [];
    await build(ccmArgsWith());
    for (const c of created) expect(c.inputs.metadata, c.type).not.toHaveProperty("annotations");
  });

  it("binds the ServiceAccount to the ClusterRole, the credentials and Lease Roles and the authentication reader", async () => {
    await build(ccmArgsWith({ namespace: { name: "kube-system" } }));
    const subject = { kind: "ServiceAccount", name: "cloud-controller-manager", namespace: "kube-system" };
    expect(one("rbac.authorization.k8s.io/v1:ClusterRoleBinding").inputs).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "vsphere-cloud-controller-manager" },
      subjects: [subject],
    });
    const bindings = ofType("rbac.authorization.k8s.io/v1:RoleBinding").map((b) => ({
      namespace: b.inputs.metadata.namespace,
      role: b.inputs.roleRef.name,
      subjects: b.inputs.subjects,
    }));
    bindings.sort((a, b) => a.role.localeCompare(b.role));
    expect(bindings).toEqual([
      { namespace: "kube-system", role: "extension-apiserver-authentication-reader", subjects: [subject] },
      { namespace: "kube-system", role: "vsphere-cloud-controller-manager-credentials-reader", subjects: [subject] },
      { namespace: "kube-system", role: "vsphere-cloud-controller-manager-leader-election", subjects: [subject] },
    ]);
    const secretRole = ofType("rbac.authorization.k8s.io/v1:Role").find((r) => r.name.endsWith("credentials-reader"));
    expect(secretRole?.inputs.rules[0].resourceNames).toEqual(["vsphere-cloud-secret"]);
  });

  it("puts the Lease Role where the Lease is, and tells the controller when that is not upstream's", async () => {
    await build(ccmArgsWith({ leaderElection: { namespace: "vsphere-cloud-controller-manager", name: "ccm" } }));
    const leaseRole = ofType("rbac.authorization.k8s.io/v1:Role").find((r) => r.name.endsWith("leader-election"));
    expect(leaseRole?.inputs.metadata.namespace).toBe("vsphere-cloud-controller-manager");
    const args: string[] = one("apps/v1:DaemonSet").inputs.spec.template.spec.containers[0].args;
    expect(args).toContain("--leader-elect-resource-namespace=vsphere-cloud-controller-manager");
    expect(args).toContain("--leader-elect-resource-name=ccm");
  });

  it("runs the image tagged with the package version unless told otherwise", async () => {
    await build(ccmArgsWith());
    const container = () => one("apps/v1:DaemonSet").inputs.spec.template.spec.containers[0];
    expect(container().image).toBe(`vsphere-cloud-controller-manager:${VERSION}`);
    expect(container().resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    created = [];
    await build(ccmArgsWith({ image: { repository: "registry.example.com/ccm", tag: "1.2.3", pullPolicy: "Always" } }));
    expect(container()).toMatchObject({ image: "registry.example.com/ccm:1.2.3", imagePullPolicy: "Always" });
    expect(one("apps/v1:DaemonSet").inputs.spec.template.spec.serviceAccountName).toBe("cloud-controller-manager");
  });

  it("throws one ResourceError naming every bad property, before making anything", async () => {
    const bad = { vcenters: [] as never[], port: 0, namespace: { name: "kube-system", create: true } };
    let error: unknown;
    try {
      await build(bad);
    } catch (err) {
      error = err;
    }
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain("the arguments have 3 problems");
    expect(message).toContain("  - port: 0 is not a TCP port");
    expect(message).toContain("  - vcenters: no vCenter is given");
    expect(message).toContain("  - namespace.create: kube-system is the cluster's own namespace");
    await sdk.waitForRPCs();
    expect(created).toEqual([]);

    error = undefined;
    try {
      await build(ccmArgsWith({ port: 70000, vcenters: [vcenter({ insecureFlag: true, thumbprint: THUMBPRINT })] }));
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toMatch(
      / {2}- port: 70000 is not a TCP port[\s\S]* {2}- vcenters\[0\]\.insecureFlag: /,
    );
  });
});
