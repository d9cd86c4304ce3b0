// The kube-apiserver audit log (JSON lines, written in blocking mode): who wrote what, and when,
// as the apiserver saw it. How tests prove that a CCM wrote nothing, or nothing after a moment.
import { readFile } from "node:fs/promises";

export interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  /** When the apiserver received the request. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

const WRITES = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Completed writes by `username` (successful only, unless `all`), from the audit log. */
export async function auditedWrites(auditLog: string, username: string, all = false): Promise<AuditEvent[]> {
  const text = await readFile(auditLog, "utf8");
  return text
    .split("\n")
    .filter((l) => l.includes(username))
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter(
      (e) =>
        e.stage === "ResponseComplete" &&
        e.user.username === username &&
        WRITES.has(e.verb) &&
        (all || (e.responseStatus?.code ?? 0) < 300),
    );
}

/** Node deletions that succeeded, by `username`. */
export const nodeDeletesBy = async (auditLog: string, username: string) =>
  (await auditedWrites(auditLog, username)).filter((e) => e.objectRef?.resource === "nodes" && e.verb === "delete");
