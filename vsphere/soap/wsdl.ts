// The vim25 operations this project calls (what used to be our minimal WSDL). No WSDL is read:
// vCenter's is ~10 MB across several files and parsing it costs seconds and hundreds of MB per
// process, and vcsim serves none. Every operation is document/literal; xml.ts builds envelopes
// from our argument objects in the order we give them (vim25 order) and parses replies
// generically; codec.ts maps xsi:type attributes to typed values.

/** Every SOAP method the client may call. Adding one here is all the WSDL needs. */
export const OPERATIONS = [
  "RetrieveServiceContent",
  "Login",
  "Logout",
  "CurrentTime",
  "TerminateSession",
  "RetrievePropertiesEx",
  "ContinueRetrievePropertiesEx",
  "CancelRetrievePropertiesEx",
  "CreateContainerView",
  "DestroyView",
  "CreatePropertyCollector",
  "DestroyPropertyCollector",
  "CreateFilter",
  "DestroyPropertyFilter",
  "WaitForUpdatesEx",
  "CancelWaitForUpdates",
  "FindByUuid",
  "FindAllByUuid",
  "FindAllByDnsName",
  "FindAllByIp",
  "FindByIp",
  "FindByDnsName",
  "FindByInventoryPath",
  "FindChild",
  "AddAuthorizationRole",
  "UpdateAuthorizationRole",
  "RemoveAuthorizationRole",
  "SetEntityPermissions",
  "RetrieveEntityPermissions",
  "RetrieveAllPermissions",
  "RemoveEntityPermission",
  "HasPrivilegeOnEntities",
  "FetchUserPrivilegeOnEntities",
  "RetrieveUserGroups",
  "CreateFolder",
  "Rename_Task",
  "Destroy_Task",
  "PowerOnVM_Task",
  "PowerOffVM_Task",
  "ReconfigVM_Task",
  "CustomizeVM_Task",
] as const;

export type Operation = (typeof OPERATIONS)[number];

/** Methods that only read: safe to retry after a connection failure. */
export const READ_ONLY = new Set<Operation>([
  "RetrieveServiceContent",
  "CurrentTime",
  "RetrievePropertiesEx",
  "ContinueRetrievePropertiesEx",
  "FindByUuid",
  "FindAllByUuid",
  "FindAllByDnsName",
  "FindAllByIp",
  "FindByIp",
  "FindByDnsName",
  "FindByInventoryPath",
  "FindChild",
  "RetrieveEntityPermissions",
  "RetrieveAllPermissions",
  "HasPrivilegeOnEntities",
  "FetchUserPrivilegeOnEntities",
  "RetrieveUserGroups",
]);
