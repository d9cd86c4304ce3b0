// Which Node names carry which VM UUID (from spec.providerID), kept current from informer
// events, so a VM change in vCenter finds its Node without scanning every Node.
import type { V1Node } from "@kubernetes/client-node";
import { lifecycleNode, nodeName } from "./facts.js";

export class NodeIndex {
  private readonly byUuid = new Map<string, Set<string>>();
  private readonly uuidOf = new Map<string, string>();

  upsert(n: V1Node): void {
    const name = nodeName(n);
    const uuid = lifecycleNode(n).providerUuid;
    const old = this.uuidOf.get(name);
    if (old === uuid) return;
    if (old) this.byUuid.get(old)?.delete(name);
    if (uuid) {
      this.uuidOf.set(name, uuid);
      let s = this.byUuid.get(uuid);
      if (!s) this.byUuid.set(uuid, (s = new Set()));
      s.add(name);
    } else this.uuidOf.delete(name);
  }

  remove(n: V1Node): void {
    const name = nodeName(n);
    const old = this.uuidOf.get(name);
    if (old) this.byUuid.get(old)?.delete(name);
    this.uuidOf.delete(name);
  }

  nodesFor(uuid: string | undefined): string[] {
    return uuid ? [...(this.byUuid.get(uuid.toLowerCase()) ?? [])] : [];
  }
}
