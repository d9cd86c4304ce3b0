// The proof a Node deletion needs: every configured vCenter, asked directly (SearchIndex, not the
// inventory), answers that it has no VM with the Node's UUID, looked up as BIOS UUID and as
// instance UUID, each in both byte orders, over all its datacenters (no datacenter argument: the
// whole inventory the account can see). Any error (unreachable, timeout, not logged in, a fault
// such as NoPermission) means "not proven": the Node stays.
import { swapUuid } from "../cloud/uuid.js";
import { findByUuid } from "../../vsphere/search.js";
import type { VsphereSession } from "../../vsphere/session.js";
import { moKey } from "../../vsphere/types.js";

export interface LookupTarget {
  /** The vCenter's config key. */
  name: string;
  session: VsphereSession;
}

export type AbsenceProof = { absent: true; checked: string } | { absent: false; reason: string };

/** Deadline of one vCenter's lookups (login if needed, four searches in parallel, retries included). */
export const LOOKUP_TIMEOUT_MS = 10_000;

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** The four searches of one vCenter; the first VM found (with how), or undefined when none. */
async function lookup(t: LookupTarget, uuid: string, signal: AbortSignal): Promise<string | undefined> {
  if (t.session.generation === 0) await t.session.login(signal);
  const forms = [...new Set([uuid, swapUuid(uuid)])];
  const asks = forms.flatMap((u) =>
    [false, true].map(async (instanceUuid) => {
      const ref = await findByUuid(t.session, u, { instanceUuid, signal });
      return ref ? `${moKey(ref)} (${instanceUuid ? "instance" : "BIOS"} UUID ${u})` : undefined;
    }),
  );
  return (await Promise.all(asks)).find((x) => x !== undefined);
}

/** Asks every vCenter; absent only when each positively answered "none" to every search. */
export async function confirmAbsent(targets: LookupTarget[], uuid: string, signal: AbortSignal): Promise<AbsenceProof> {
  if (targets.length === 0) return { absent: false, reason: "no vCenter configured to ask" };
  const answers = await Promise.all(
    targets.map(async (t) => {
      // A timer that holds its controller: Node 20 lets an AbortSignal.timeout() that only
      // AbortSignal.any() refers to be garbage-collected, and then it never fires (the lookup
      // would wait for the caller's own deadline instead of this one).
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)),
        LOOKUP_TIMEOUT_MS,
      );
      try {
        return { t, found: await lookup(t, uuid, AbortSignal.any([signal, deadline.signal])) };
      } catch (err) {
        return { t, err };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = answers.filter((a) => "err" in a);
  if (failed.length > 0) {
    const list = failed.map((a) => `vCenter ${a.t.name}: ${describe((a as { err: unknown }).err)}`);
    return { absent: false, reason: `absence of VM ${uuid} not proven: ${list.join("; ")}` };
  }
  const found = answers.find((a) => "found" in a && a.found);
  if (found && "found" in found) {
    return { absent: false, reason: `vCenter ${found.t.name} still has the VM: ${found.found}` };
  }
  return {
    absent: true,
    checked: `SearchIndex.FindByUuid on vCenter ${targets.map((t) => t.name).join(", ")} (BIOS and instance UUID, both byte orders, all datacenters) found no VM ${uuid}`,
  };
}
