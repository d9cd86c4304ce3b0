// Our minimal vim25 WSDL, generated from the list of operations this project calls.
// Why not the real vim25 WSDL: vCenter's is ~10 MB across several files and parsing it costs
// seconds and hundreds of MB per process, and vcsim serves none. Each operation here is
// document/literal with request and response bodies typed xsd:anyType; the `soap` package
// builds envelopes from our argument objects in the order we give them (vim25 order) and
// parses responses generically; soap/codec.ts maps xsi:type attributes to typed values.

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

export function minimalWsdl(soapAction: string): string {
  const elements = OPERATIONS.map(
    (o) => `<xsd:element name="${o}" type="xsd:anyType"/><xsd:element name="${o}Response" type="xsd:anyType"/>`,
  ).join("\n");
  const messages = OPERATIONS.map(
    (o) =>
      `<message name="${o}RequestMsg"><part name="parameters" element="vim25:${o}"/></message>` +
      `<message name="${o}ResponseMsg"><part name="parameters" element="vim25:${o}Response"/></message>`,
  ).join("\n");
  const portOps = OPERATIONS.map(
    (o) =>
      `<operation name="${o}"><input message="vim25:${o}RequestMsg"/><output message="vim25:${o}ResponseMsg"/></operation>`,
  ).join("");
  const bindingOps = OPERATIONS.map(
    (o) =>
      `<operation name="${o}"><soap:operation soapAction="${soapAction}" style="document"/>` +
      `<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>`,
  ).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions targetNamespace="urn:vim25" xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:vim25="urn:vim25">
<types><xsd:schema targetNamespace="urn:vim25" elementFormDefault="qualified">
${elements}
</xsd:schema></types>
${messages}
<portType name="VimPortType">${portOps}</portType>
<binding name="VimBinding" type="vim25:VimPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
${bindingOps}
</binding>
<service name="VimService"><port name="VimPort" binding="vim25:VimBinding"><soap:address location="https://localhost/sdk"/></port></service>
</definitions>`;
}
