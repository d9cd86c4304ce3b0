// Delegated authentication and authorization for /metrics, as Kubernetes components do it:
// the bearer token is checked with a TokenReview, then the user's right to GET the
// non-resource path with a SubjectAccessReview. Answers are cached briefly per token.
import type { KubeConfig } from "@kubernetes/client-node";
import { AuthenticationV1Api, AuthorizationV1Api } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { kubeCall } from "../kube/call.js";

/** Deadline of each review: a scrape waits at most twice this, never on a hung apiserver forever. */
export const REVIEW_TIMEOUT_MS = 10_000;

export type AuthResult = { allowed: true; user: string } | { allowed: false; status: 401 | 403; reason: string };

export interface Authorizer {
  /** `signal`: the HTTP request's (aborted when the client goes away). */
  check(authorization: string | undefined, path: string, signal?: AbortSignal): Promise<AuthResult>;
}

export class DelegatedAuth implements Authorizer {
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly cache = new Map<string, { at: number; result: AuthResult }>();

  constructor(
    kc: KubeConfig,
    private readonly ttlMs = 10_000,
    /** SubjectAccessReview's client when it differs (--authorization-kubeconfig). */
    authzKc: KubeConfig = kc,
  ) {
    this.authn = kc.makeApiClient(AuthenticationV1Api);
    this.authz = authzKc.makeApiClient(AuthorizationV1Api);
  }

  async check(authorization: string | undefined, path: string, signal?: AbortSignal): Promise<AuthResult> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!token) return { allowed: false, status: 401, reason: "bearer token required" };
    // Tokens are keyed by hash: the cache never holds a usable credential.
    const key = `${createHash("sha256").update(token).digest("hex")}\u0000${path}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.result;
    const result = await this.review(token, path, signal);
    this.cache.set(key, { at: Date.now(), result });
    if (this.cache.size > 1000) this.cache.clear();
    return result;
  }

  private async review(token: string, path: string, signal?: AbortSignal): Promise<AuthResult> {
    const call = { timeoutMs: REVIEW_TIMEOUT_MS };
    const tr = await kubeCall(
      "TokenReview",
      signal,
      (o) => this.authn.createTokenReview({ body: { spec: { token } } }, o),
      call,
    );
    if (!tr.status?.authenticated || !tr.status.user?.username) {
      return { allowed: false, status: 401, reason: "token not authenticated" };
    }
    const user = tr.status.user;
    const spec = {
      user: user.username,
      groups: user.groups,
      uid: user.uid,
      extra: user.extra,
      nonResourceAttributes: { path, verb: "get" },
    };
    const sar = await kubeCall(
      "SubjectAccessReview",
      signal,
      (o) => this.authz.createSubjectAccessReview({ body: { spec } }, o),
      call,
    );
    if (!sar.status?.allowed) {
      return { allowed: false, status: 403, reason: `user ${JSON.stringify(user.username)} may not get ${path}` };
    }
    return { allowed: true, user: user.username ?? "" };
  }
}
