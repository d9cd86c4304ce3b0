// What npm run local and the tests ask of the CCM's pods on the local cluster: the DaemonSet's
// pods, the host process behind a pod's container (its uid, root mount, environment), and who
// wrote what according to the apiserver's audit log (bound service-account tokens name their pod).
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { until } from "./ccm.js";

export const POD_NAME_EXTRA = "authentication.kubernetes.io/pod-name";

/**
 * The DaemonSet pods in the CCM's namespace, which holds nothing else (terminating ones left
 * out). Selected by owner, not labels: this module must not load the Pulumi component.
 */
export async function ccmPods(core: CoreV1Api, namespace: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace });
  return list.items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.metadata?.ownerReferences?.some((o) => o.kind === "DaemonSet"),
  );
}

export const isReady = (p: V1Pod): boolean =>
  p.status?.phase === "Running" && !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

/** Waits (120 s at most) until the namespace has exactly one CCM pod and it is ready. */
export const theReadyCcmPod = (core: CoreV1Api, namespace: string): Promise<V1Pod> =>
  until(
    "one ready CCM pod",
    async () => {
      const pods = await ccmPods(core, namespace);
      return pods.length === 1 && isReady(pods[0]) ? pods[0] : undefined;
    },
    120_000,
    250,
  );

export interface HostProcess {
  pid: number;
  uid: number;
  /** Options of the mount at / in the process's mount namespace (`ro` for a read-only root). */
  rootOptions: string[];
  env: Record<string, string>;
  cmdline: string[];
}

/** The host processes whose command line contains `needle` and whose cgroup path contains `cgroup`. */
export function hostProcesses(needle: string, cgroup: string): HostProcess[] {
  const out: HostProcess[] = [];
  for (const e of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (!cmdline.some((a) => a.includes(needle))) continue;
      if (!readFileSync(`/proc/${e}/cgroup`, "utf8").includes(cgroup)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${e}/status`, "utf8"))?.[1]);
      const root = readFileSync(`/proc/${e}/mountinfo`, "utf8")
        .split("\n")
        .map((l) => l.split(" "))
        .find((f) => f[4] === "/");
      const env = Object.fromEntries(
        readFileSync(`/proc/${e}/environ`, "utf8")
          .split("\0")
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
      out.push({ pid: Number(e), uid, rootOptions: (root?.[5] ?? "").split(","), env, cmdline });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

export interface AuditEvent {
  verb: string;
  user: { username: string; extra?: Record<string, string[]> };
  objectRef?: { resource?: string; subresource?: string; name?: string; namespace?: string };
  responseStatus?: { code?: number };
}

export async function readAudit(file: string): Promise<AuditEvent[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent);
}

/** The pod (from its bound token, `authentication.kubernetes.io/pod-name`) that last wrote each Node. */
export async function nodeWriters(auditLog: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ev of await readAudit(auditLog)) {
    const pod = ev.user.extra?.[POD_NAME_EXTRA]?.[0];
    if (ev.objectRef?.resource === "nodes" && ev.verb === "patch" && pod && ev.objectRef.name)
      out.set(ev.objectRef.name, `${pod} (${ev.user.username.split(":").pop()})`);
  }
  return out;
}

/**
 * The writes that initialized Node `node`: its patches by anyone but the kubelets and the admin
 * (who sets the control-plane label, as kubeadm would).
 */
export const initializingWrites = (audit: AuditEvent[], node: string): AuditEvent[] =>
  audit.filter(
    (ev) =>
      ev.objectRef?.resource === "nodes" &&
      ev.objectRef.name === node &&
      ev.verb === "patch" &&
      ev.user.username !== "admin" &&
      !ev.user.username.startsWith("system:node:"),
  );

/** Who created Node `node` (the kubelet that registered it, on a real cluster). */
export const nodeCreator = (audit: AuditEvent[], node: string): string | undefined =>
  audit.find((ev) => ev.verb === "create" && ev.objectRef?.resource === "nodes" && ev.objectRef.name === node)?.user
    .username;

/** Audit events whose writer is the pod `pod` (through its bound token). */
export async function eventsByPod(auditLog: string, pod: string): Promise<AuditEvent[]> {
  return (await readAudit(auditLog)).filter((ev) => ev.user.extra?.[POD_NAME_EXTRA]?.[0] === pod);
}
