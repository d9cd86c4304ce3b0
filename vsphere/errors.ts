// Typed errors of the vSphere client. Three families, never confused with each other:
//   TransportError  - vCenter could not be asked (connection, TLS, timeout, HTTP-level junk);
//   VimFault        - vCenter answered with a SOAP fault (NotAuthenticated, NoPermission, ...);
//   RestError       - the vAPI REST endpoint answered with an error status.
// Lookups add NotFoundError / AmbiguousError. Messages never contain passwords or session ids.
import type { MoRef } from "./types.js";

export class VsphereError extends Error {
  override name = "VsphereError";
}

export type TransportReason = "connect" | "tls" | "timeout" | "aborted" | "http" | "protocol";

/** vCenter could not be reached or did not speak SOAP/REST. Never means "object not found". */
export class TransportError extends VsphereError {
  override name = "TransportError";
  constructor(
    message: string,
    readonly reason: TransportReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** Connection-level failures may succeed on retry; a wrong certificate or a protocol error will not. */
  get retryable(): boolean {
    return this.reason === "connect" || this.reason === "timeout";
  }
}

/** The server's certificate failed verification; carries what it presented so an operator can pin it. */
export class TlsVerificationError extends TransportError {
  override name = "TlsVerificationError";
  constructor(
    message: string,
    readonly presented: { sha1: string; sha256: string } | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, "tls", options);
  }
}

/** A SOAP fault from vCenter. `fault` is the vim25 fault type name (e.g. "NoPermission"). */
export class VimFault extends VsphereError {
  override name = "VimFault";
  constructor(
    readonly fault: string,
    message: string,
    readonly method: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A fault detail field that holds a managed object reference, when it does. */
const asMoRef = (v: unknown): MoRef | undefined =>
  v && typeof v === "object" && "type" in v ? (v as MoRef) : undefined;

export class NotAuthenticatedFault extends VimFault {
  override name = "NotAuthenticatedFault";
}
export class InvalidLoginFault extends VimFault {
  override name = "InvalidLoginFault";
}
export class NoPermissionFault extends VimFault {
  override name = "NoPermissionFault";
  get privilegeId(): string | undefined {
    return typeof this.detail.privilegeId === "string" ? this.detail.privilegeId : undefined;
  }
  get object(): MoRef | undefined {
    return asMoRef(this.detail.object);
  }
}
export class ManagedObjectNotFoundFault extends VimFault {
  override name = "ManagedObjectNotFoundFault";
  get obj(): MoRef | undefined {
    return asMoRef(this.detail.obj);
  }
}
export class AlreadyExistsFault extends VimFault {
  override name = "AlreadyExistsFault";
}
export class DuplicateNameFault extends VimFault {
  override name = "DuplicateNameFault";
}
export class InvalidArgumentFault extends VimFault {
  override name = "InvalidArgumentFault";
}
export class ResourceInUseFault extends VimFault {
  override name = "ResourceInUseFault";
}
export class NotFoundFault extends VimFault {
  override name = "NotFoundFault";
}
/** vCenter refused to remove something still in use (e.g. a role with permissions, failIfUsed). */
export class RemoveFailedFault extends VimFault {
  override name = "RemoveFailedFault";
}

const FAULT_CLASSES: Record<string, typeof VimFault> = {
  NotAuthenticated: NotAuthenticatedFault,
  InvalidLogin: InvalidLoginFault,
  NoPermission: NoPermissionFault,
  ManagedObjectNotFound: ManagedObjectNotFoundFault,
  AlreadyExists: AlreadyExistsFault,
  DuplicateName: DuplicateNameFault,
  InvalidArgument: InvalidArgumentFault,
  ResourceInUse: ResourceInUseFault,
  NotFound: NotFoundFault,
  RemoveFailed: RemoveFailedFault,
};

export function vimFault(fault: string, message: string, method: string, detail: Record<string, unknown>): VimFault {
  const Cls = FAULT_CLASSES[fault] ?? VimFault;
  return new Cls(fault, message, method, detail);
}

/** An error status from the vAPI REST endpoint (401 unauthenticated, 403, 404 not found, ...). */
export class RestError extends VsphereError {
  override name = "RestError";
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    /** vAPI error type, e.g. "com.vmware.vapi.std.errors.not_found". */
    readonly type?: string,
  ) {
    super(message);
  }
  get notFound(): boolean {
    return this.status === 404 || /not_found$/.test(this.type ?? "");
  }
  get alreadyExists(): boolean {
    return /already_exists$/.test(this.type ?? "");
  }
}

/** A lookup by name or path found nothing. */
export class NotFoundError extends VsphereError {
  override name = "NotFoundError";
  constructor(
    readonly kind: string,
    readonly path: string,
  ) {
    super(`${kind} ${JSON.stringify(path)} not found`);
  }
}

/** A lookup by name or path found more than one object. */
export class AmbiguousError extends VsphereError {
  override name = "AmbiguousError";
  constructor(
    readonly kind: string,
    readonly path: string,
    readonly matches: MoRef[],
  ) {
    super(
      `${kind} ${JSON.stringify(path)} is ambiguous: ${matches.length} matches (${matches.map((m) => m.value).join(", ")})`,
    );
  }
}
