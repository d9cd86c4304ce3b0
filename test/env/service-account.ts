// A ServiceAccount for a test CCM, with a ClusterRole of given rules (or an existing ClusterRole),
// a token from the TokenRequest API and a kubeconfig that uses it: how a test proves RBAC with
// the identity a DaemonSet pod would have, and how the audit log tells one CCM from another.
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { writeFile } from "node:fs/promises";
import type { PolicyRule } from "../../components/kubernetes/rbac.js";

export interface TestServiceAccount {
  /** The user name the apiserver sees (and the audit log records). */
  username: string;
  token: string;
  /** Writes a kubeconfig for this token against the apiserver at `server`; returns its path. */
  kubeconfig(file: string): Promise<string>;
  remove(): Promise<void>;
}

export interface ServiceAccountOptions {
  /** Admin kubeconfig used to create everything. */
  adminKubeconfig: string;
  name: string;
  namespace?: string;
  /** Rules of a ClusterRole made for this account, or the name of an existing ClusterRole. */
  clusterRole?: PolicyRule[] | string;
}

export async function createServiceAccount(o: ServiceAccountOptions): Promise<TestServiceAccount> {
  const kc = new KubeConfig();
  kc.loadFromFile(o.adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const namespace = o.namespace ?? "kube-system";
  const { name } = o;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const ownRole = Array.isArray(o.clusterRole);
  if (ownRole) await rbac.createClusterRole({ body: { metadata: { name }, rules: o.clusterRole as PolicyRule[] } });
  if (o.clusterRole !== undefined) {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: ownRole ? name : (o.clusterRole as string),
        },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
      },
    });
  }
  const tr = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tr.status?.token ?? "";
  const cluster = kc.getCurrentCluster();
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    token,
    async kubeconfig(file) {
      if (!cluster?.caFile) throw new Error("the admin kubeconfig names no certificate-authority file");
      const ca = `certificate-authority: "${cluster.caFile}"`;
      await writeFile(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          `clusters: [{ name: local, cluster: { server: "${cluster.server}", ${ca} } }]`,
          `users: [{ name: sa, user: { token: "${token}" } }]`,
          "contexts: [{ name: local, context: { cluster: local, user: sa } }]",
          "current-context: local",
          "",
        ].join("\n"),
        { mode: 0o600 },
      );
      return file;
    },
    async remove() {
      if (o.clusterRole !== undefined) await rbac.deleteClusterRoleBinding({ name }).catch(() => {});
      if (ownRole) await rbac.deleteClusterRole({ name }).catch(() => {});
      await core.deleteNamespacedServiceAccount({ namespace, name }).catch(() => {});
    },
  };
}
