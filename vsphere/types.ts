// Typed vSphere data used across the client. Property values arrive untyped from the minimal
// WSDL; the decoders in soap/codec.ts and inventory.ts turn them into these shapes.

/** A managed object reference: type ("VirtualMachine") and value ("vm-42"). */
export interface MoRef {
  type: string;
  value: string;
}

export const moRef = (type: string, value: string): MoRef => ({ type, value });
export const moKey = (ref: MoRef): string => `${ref.type}:${ref.value}`;
export const sameMoRef = (a: MoRef | undefined, b: MoRef | undefined): boolean =>
  !!a && !!b && a.type === b.type && a.value === b.value;

export type PowerState = "poweredOn" | "poweredOff" | "suspended";

export interface GuestNic {
  /** Port group / network name the NIC is on. */
  network?: string;
  macAddress?: string;
  connected: boolean;
  /** Device key of the virtual NIC (4000, 4001, ...). */
  deviceConfigId?: number;
  ipAddresses: string[];
}

/** What the controller needs of a VM (see inventory.ts for the property paths). */
export interface VmSummary {
  ref: MoRef;
  name: string;
  /** BIOS UUID (config.uuid): what the kubelet reports as systemUUID. */
  uuid?: string;
  /** Instance UUID (config.instanceUuid): vCenter's own id of the VM. */
  instanceUuid?: string;
  powerState?: PowerState;
  host?: MoRef;
  resourcePool?: MoRef;
  parent?: MoRef;
  guestHostName?: string;
  guestId?: string;
  numCpu?: number;
  memoryMB?: number;
  nics: GuestNic[];
  /** extraConfig guestinfo.metadata (base64 or plain, as set), when present. */
  guestinfoMetadata?: string;
  guestinfoMetadataEncoding?: string;
}

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  searchIndex: MoRef;
  authorizationManager?: MoRef;
  /** Users and groups (UserDirectory.RetrieveUserGroups). */
  userDirectory?: MoRef;
  about: {
    name: string;
    fullName: string;
    version: string;
    apiVersion: string;
    instanceUuid?: string;
    apiType: string;
  };
}

export interface UserSession {
  key: string;
  userName: string;
  loginTime?: string;
  lastActiveTime?: string;
  callCount?: number;
}
