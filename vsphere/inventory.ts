// Typed VM inventory reads: the property paths the controller needs and the decoder from
// PropertyCollector values to VmSummary. Used by both full loads and change feeds.
//
// Only what the planners read is asked for. extraConfig in particular is never fetched whole:
// real VMs carry dozens to hundreds of entries, and VMware Tools rewrites some of them (e.g.
// guestinfo.appInfo, tens of kB, every 30 minutes), so watching `config.extraConfig` would ship
// and decode the whole array on each such rewrite. vCenter accepts key-based array paths
// (`config.extraConfig["guestinfo.metadata"]`, vSphere Web Services programming guide, "Property
// paths in key-based arrays"); the value is the OptionValue with that key, and a VM without the
// key has no value for the path (absent from propSet, or reported in missingSet). See
// docs/vsphere-client.md for what vCenter and vcsim each return.
import {
  asArray,
  asBoolean,
  asMoRef,
  asNumber,
  asObject,
  asString,
  type Decoded,
  type DecodedObject,
} from "./soap/codec.js";
import type { GuestNic, MoRef, PowerState, VmSummary } from "./types.js";

/** The property path of one extraConfig entry, by key. */
export const extraConfigPath = (key: string): string => `config.extraConfig[${JSON.stringify(key)}]`;

export function decodeGuestNics(v: Decoded | undefined): GuestNic[] {
  return asArray<DecodedObject>(v).map((n) => {
    const fromIpConfig = asArray<DecodedObject>(asObject(n.ipConfig)?.ipAddress)
      .map((a) => asString(a.ipAddress))
      .filter((a): a is string => !!a);
    const plain = asArray(n.ipAddress)
      .map((a) => asString(a))
      .filter((a): a is string => !!a);
    return {
      network: asString(n.network),
      macAddress: asString(n.macAddress),
      connected: asBoolean(n.connected) ?? false,
      deviceConfigId: asNumber(n.deviceConfigId),
      ipAddresses: plain.length > 0 ? plain : fromIpConfig,
    };
  });
}

/** The value of a keyed extraConfig path: an OptionValue (vCenter), or nothing when the key is absent. */
function optionValue(v: Decoded | undefined): string | undefined {
  const o = asObject(v);
  return o ? asString(o.value) : undefined;
}

const POWER_STATES = new Set(["poweredOn", "poweredOff", "suspended"]);

function powerState(v: Decoded | undefined): PowerState | undefined {
  const s = asString(v);
  return s && POWER_STATES.has(s) ? (s as PowerState) : undefined;
}

type Field = { [K in keyof VmSummary]: [K, (v: Decoded | undefined) => VmSummary[K]] }[keyof VmSummary];

/**
 * Each watched path and the one VmSummary field it sets. A change to a path re-decodes that field
 * alone, so the store keeps decoded summaries and no raw property values.
 */
const FIELDS: Record<string, Field> = {
  name: ["name", (v) => asString(v) ?? ""],
  "config.uuid": ["uuid", (v) => asString(v)?.toLowerCase()],
  // Read by the lifecycle controller: a VM found by its instance UUID is never a deletion candidate.
  "config.instanceUuid": ["instanceUuid", (v) => asString(v)?.toLowerCase()],
  "config.guestId": ["guestId", asString],
  "config.hardware.numCPU": ["numCpu", asNumber],
  "config.hardware.memoryMB": ["memoryMB", asNumber],
  [extraConfigPath("guestinfo.metadata")]: ["guestinfoMetadata", optionValue],
  [extraConfigPath("guestinfo.metadata.encoding")]: ["guestinfoMetadataEncoding", optionValue],
  "runtime.powerState": ["powerState", powerState],
  "runtime.host": ["host", asMoRef],
  resourcePool: ["resourcePool", asMoRef],
  parent: ["parent", asMoRef],
  "guest.hostName": ["guestHostName", asString],
  "guest.net": ["nics", decodeGuestNics],
};

/** Property paths of a VmSummary, in one place so loads and watches agree. */
export const VM_SUMMARY_PATHS: readonly string[] = Object.keys(FIELDS);

/** An empty summary (every field unset) for an object about to receive its properties. */
export const emptyVmSummary = (ref: MoRef): VmSummary => ({ ref, name: "", nics: [] });

/**
 * Sets the field of `path` from a property value (`undefined`: the property has no value, i.e.
 * removed or missing). Returns false for a path that is not part of a VmSummary.
 */
export function applyVmProperty(vm: VmSummary, path: string, value: Decoded | undefined): boolean {
  const f = FIELDS[path];
  if (!f) return false;
  const [field, decode] = f;
  (vm as unknown as Record<string, unknown>)[field] = decode(value === null ? undefined : value);
  return true;
}

/** Builds a VmSummary from property values keyed by path (missing paths stay undefined). */
export function decodeVmSummary(ref: MoRef, props: Record<string, Decoded>): VmSummary {
  const vm = emptyVmSummary(ref);
  for (const path of VM_SUMMARY_PATHS) applyVmProperty(vm, path, props[path]);
  return vm;
}
