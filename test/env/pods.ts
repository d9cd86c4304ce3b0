// What tests ask of the CCM's pods on the local cluster: the DaemonSet's pods, the host process
// behind a pod's container (its uid, root mount, environment), and who wrote what according to
// the apiserver's audit log (bound service-account tokens name their pod).
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { readdirSync, readFileSync } from "node:fs";
import { SELECTOR_LABELS } from "../../components/kubernetes/cloud-controller-manager.js";
import { readAudit, type AuditEvent } from "./local.js";

export const POD_NAME_EXTRA = "authentication.kubernetes.io/pod-name";

/** The CCM DaemonSet's pods in `namespace` (terminating ones left out). */
export async function ccmPods(core: CoreV1Api, namespace: string): Promise<V1Pod[]> {
  const selector = Object.entries(SELECTOR_LABELS)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const list = await core.listNamespacedPod({ namespace, labelSelector: selector });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

export const isReady = (p: V1Pod): boolean =>
  p.status?.phase === "Running" && !!p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

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

/** Audit events whose writer is the pod `pod` (through its bound token). */
export async function eventsByPod(auditLog: string, pod: string): Promise<AuditEvent[]> {
  return (await readAudit(auditLog)).filter((ev) => ev.user.extra?.[POD_NAME_EXTRA]?.[0] === pod);
}
