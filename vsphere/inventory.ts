// Typed VM inventory reads: the property paths the controller needs and the decoder from
// PropertyCollector values to VmSummary. Used by both full loads and change feeds.
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

/** Property paths of a VmSummary, in one place so loads and watches agree. */
export const VM_SUMMARY_PATHS = [
  "name",
  "config.uuid",
  "config.instanceUuid",
  "config.guestId",
  "config.hardware.numCPU",
  "config.hardware.memoryMB",
  "config.extraConfig",
  "runtime.powerState",
  "runtime.host",
  "resourcePool",
  "parent",
  "guest.hostName",
  "guest.guestFullName",
  "guest.net",
] as const;

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

function extraConfigValue(v: Decoded | undefined, key: string): string | undefined {
  for (const o of asArray<DecodedObject>(v)) if (asString(o.key) === key) return asString(o.value);
  return undefined;
}

const POWER_STATES = new Set(["poweredOn", "poweredOff", "suspended"]);

/** Builds a VmSummary from property values keyed by path (missing paths stay undefined). */
export function decodeVmSummary(ref: MoRef, props: Record<string, Decoded>): VmSummary {
  const power = asString(props["runtime.powerState"]);
  return {
    ref,
    name: asString(props.name) ?? "",
    uuid: asString(props["config.uuid"])?.toLowerCase(),
    instanceUuid: asString(props["config.instanceUuid"])?.toLowerCase(),
    powerState: power && POWER_STATES.has(power) ? (power as PowerState) : undefined,
    host: asMoRef(props["runtime.host"]),
    resourcePool: asMoRef(props.resourcePool),
    parent: asMoRef(props.parent),
    guestHostName: asString(props["guest.hostName"]),
    guestFullName: asString(props["guest.guestFullName"]),
    guestId: asString(props["config.guestId"]),
    numCpu: asNumber(props["config.hardware.numCPU"]),
    memoryMB: asNumber(props["config.hardware.memoryMB"]),
    nics: decodeGuestNics(props["guest.net"]),
    guestinfoMetadata: extraConfigValue(props["config.extraConfig"], "guestinfo.metadata"),
    guestinfoMetadataEncoding: extraConfigValue(props["config.extraConfig"], "guestinfo.metadata.encoding"),
  };
}
