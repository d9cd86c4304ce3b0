// SearchIndex lookups of VMs (or hosts) by UUID, DNS name and IP: one call each.
// An empty answer is vCenter positively saying "no such object" (the CCM's node-deletion rule
// depends on telling that apart from an error, which these functions always throw).
import { asArray, isMoRef, moArg, type Decoded } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

export interface SearchOptions {
  /** Search one datacenter only; unset: every datacenter. */
  datacenter?: MoRef;
  /** VirtualMachines (default) or, when false, HostSystems. */
  vmSearch?: boolean;
  signal?: AbortSignal;
  /** Per-call deadline; the transport's default (60 s) when unset. */
  timeoutMs?: number;
}

export interface UuidSearchOptions extends SearchOptions {
  /** Match config.instanceUuid (vCenter's own id) instead of the BIOS UUID config.uuid (the kubelet's systemUUID). VM searches only. */
  instanceUuid?: boolean;
}

const refOrUndefined = (d: Decoded): MoRef | undefined => (isMoRef(d) ? d : undefined);
const refList = (d: Decoded): MoRef[] => asArray(d).filter(isMoRef);

/** Arguments in vim25 order: datacenter, <key>, vmSearch[, instanceUuid]. */
function searchArgs(key: string, value: string, opts: UuidSearchOptions): Record<string, unknown> {
  const vmSearch = opts.vmSearch ?? true;
  return {
    ...(opts.datacenter ? { datacenter: moArg(opts.datacenter) } : {}),
    [key]: value,
    vmSearch,
    ...(vmSearch && opts.instanceUuid !== undefined ? { instanceUuid: opts.instanceUuid } : {}),
  };
}

/** The VM (or host) with this UUID; undefined when there is none. With several, vCenter picks one: see findAllByUuid. */
export async function findByUuid(
  session: VsphereSession,
  uuid: string,
  opts: UuidSearchOptions = {},
): Promise<MoRef | undefined> {
  const si = session.serviceContent.searchIndex;
  return refOrUndefined(
    await session.call("FindByUuid", si, searchArgs("uuid", uuid, opts), {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    }),
  );
}

/** Every VM (or host) with this UUID (clones and copies of a template can share a BIOS UUID). */
export async function findAllByUuid(
  session: VsphereSession,
  uuid: string,
  opts: UuidSearchOptions = {},
): Promise<MoRef[]> {
  const si = session.serviceContent.searchIndex;
  return refList(
    await session.call("FindAllByUuid", si, searchArgs("uuid", uuid, opts), {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    }),
  );
}

/** Every VM whose guest reports this host name (guest.hostName; needs VMware Tools), or host by DNS name. */
export async function findAllByDnsName(
  session: VsphereSession,
  dnsName: string,
  opts: SearchOptions = {},
): Promise<MoRef[]> {
  const si = session.serviceContent.searchIndex;
  const args = searchArgs("dnsName", dnsName, { ...opts, instanceUuid: undefined });
  return refList(await session.call("FindAllByDnsName", si, args, { signal: opts.signal, timeoutMs: opts.timeoutMs }));
}

/** The VM (or host) with this DNS name; undefined when there is none. */
export async function findByDnsName(
  session: VsphereSession,
  dnsName: string,
  opts: SearchOptions = {},
): Promise<MoRef | undefined> {
  const si = session.serviceContent.searchIndex;
  const args = searchArgs("dnsName", dnsName, { ...opts, instanceUuid: undefined });
  return refOrUndefined(
    await session.call("FindByDnsName", si, args, { signal: opts.signal, timeoutMs: opts.timeoutMs }),
  );
}

/** Every VM whose guest reports this IP (needs VMware Tools), or host with this vmknic IP. */
export async function findAllByIp(session: VsphereSession, ip: string, opts: SearchOptions = {}): Promise<MoRef[]> {
  const si = session.serviceContent.searchIndex;
  const args = searchArgs("ip", ip, { ...opts, instanceUuid: undefined });
  return refList(await session.call("FindAllByIp", si, args, { signal: opts.signal, timeoutMs: opts.timeoutMs }));
}

/** The VM (or host) with this IP; undefined when there is none. */
export async function findByIp(
  session: VsphereSession,
  ip: string,
  opts: SearchOptions = {},
): Promise<MoRef | undefined> {
  const si = session.serviceContent.searchIndex;
  const args = searchArgs("ip", ip, { ...opts, instanceUuid: undefined });
  return refOrUndefined(await session.call("FindByIp", si, args, { signal: opts.signal, timeoutMs: opts.timeoutMs }));
}
