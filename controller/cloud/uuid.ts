// BIOS UUIDs and vSphere providerIDs.
// vCenter's config.uuid and the kubelet's status.nodeInfo.systemUUID name the same VM, but some
// guests (Photon 2, old kernels) read the SMBIOS UUID with the first three groups in the other
// byte order. Upstream (util.go ConvertK8sUUIDtoNormal) therefore looks a VM up by the UUID as
// reported and by its byte-swapped form. The providerID is `vsphere://<config.uuid>` in lower case.
import { PROVIDER_ID_PREFIX } from "../constants.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Lower-cased, trimmed UUID when it has the 8-4-4-4-12 hex form; undefined otherwise. */
export function normalizeUuid(text: string | undefined): string | undefined {
  const u = text?.trim().toLowerCase();
  return u && UUID_RE.test(u) ? u : undefined;
}

/** The normalized UUID, or why the text is not one. */
export function parseUuid(text: string | undefined, what = "UUID"): { uuid: string } | { reason: string } {
  if (!text?.trim()) return { reason: `${what} is empty` };
  const uuid = normalizeUuid(text);
  return uuid ? { uuid } : { reason: `${what} "${text}" is not a UUID (8-4-4-4-12 hex digits)` };
}

const swapBytes = (hex: string) => (hex.match(/../g) ?? []).reverse().join("");

/**
 * The other byte order of the first three groups (SMBIOS little-endian vs big-endian):
 * 56492e42-22ad-3911-6d72-59cc8f26bc90 <-> 422e4956-ad22-1139-6d72-59cc8f26bc90.
 * Its own inverse. Expects a normalized UUID.
 */
export function swapUuid(uuid: string): string {
  const [a, b, c, d, e] = uuid.split("-");
  return [swapBytes(a), swapBytes(b), swapBytes(c), d, e].join("-");
}

/** `vsphere://<uuid>` for a VM's config.uuid. */
export const providerIdOf = (uuid: string): string => `${PROVIDER_ID_PREFIX}${uuid.trim().toLowerCase()}`;

/** The UUID of a vSphere providerID (case-insensitive, spaces trimmed), or why it is not one. */
export function uuidFromProviderId(providerID: string): { uuid: string } | { reason: string } {
  const t = providerID.trim();
  if (!t.toLowerCase().startsWith(PROVIDER_ID_PREFIX)) {
    return { reason: `providerID "${providerID}" is not a vSphere providerID (${PROVIDER_ID_PREFIX}<uuid>)` };
  }
  const uuid = normalizeUuid(t.slice(PROVIDER_ID_PREFIX.length));
  return uuid ? { uuid } : { reason: `providerID "${providerID}" does not end in a UUID (8-4-4-4-12 hex digits)` };
}
