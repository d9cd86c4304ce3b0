// Keeps the addresses of initialized Nodes current: when a VM's guest NICs change in vCenter,
// its Node's status.addresses follow. Never blanks them: a VM reporting no usable IP (tools
// restarting, VM off) leaves the last known addresses in place.
import type { V1NodeAddress } from "@kubernetes/client-node";
import { selectAddresses, type AddressOptions, type NodeAddress } from "../cloud/addresses.js";
import { nodeAddresses, PROVIDED_NODE_IP, type NodeAddressesResult } from "../cloud/node-ip.js";
import { EventReason } from "../constants.js";
import type { EventRecorder } from "../kube/events.js";
import type { NodeInformer } from "../kube/informer.js";
import { sameAddresses, type NodeWriter } from "../kube/node-writes.js";
import { WorkQueue } from "../kube/queue.js";
import type { InventoryView, InventoryVm } from "../inventory/types.js";
import type { Logger } from "../log.js";
import { isUninitialized, lifecycleNode } from "./facts.js";

export interface AddressDeps {
  informer: NodeInformer;
  view: InventoryView;
  writer: NodeWriter;
  recorder: EventRecorder;
  log: Logger;
  addressOptions: (vm: InventoryVm) => AddressOptions;
  /** Parallel syncs (--concurrent-node-status-updates, default 2). */
  workers?: number;
  /** Called for every sync that throws (it is retried with backoff). */
  onSyncError?: () => void;
}

/**
 * The addresses a Node should have from the VM's (upstream's order and --node-ip rule, see
 * cloud/node-ip.ts), or why it keeps the ones it has.
 */
export function desiredAddresses(
  current: V1NodeAddress[],
  selected: NodeAddress[],
  providedNodeIp: string | undefined,
): NodeAddressesResult {
  return nodeAddresses(selected, current, providedNodeIp);
}

export class AddressController {
  readonly queue: WorkQueue;
  /** The last reason per Node that its addresses are kept (logged once per distinct reason). */
  private readonly kept = new Map<string, string>();

  constructor(private readonly d: AddressDeps) {
    this.queue = new WorkQueue((name) => this.sync(name), {
      workers: d.workers ?? 2,
      onError: (key, err, n) => {
        d.onSyncError?.();
        d.log.error("address sync failed", { node: key, retries: n, err });
      },
    });
  }

  async sync(name: string): Promise<void> {
    const node = this.d.informer.get(name);
    if (!node) this.kept.delete(name);
    if (!node || isUninitialized(node) || !this.d.view.synced) return;
    const uuid = lifecycleNode(node).providerUuid;
    const vms = uuid ? this.d.view.vmByUuid(uuid) : [];
    if (vms.length !== 1) return;
    const sel = selectAddresses(vms[0], this.d.addressOptions(vms[0]));
    if ("reason" in sel) {
      this.d.log.v(4, "addresses unchanged", { node: name, reason: sel.reason });
      return;
    }
    const current = node.status?.addresses ?? [];
    const provided = node.metadata?.annotations?.[PROVIDED_NODE_IP];
    const want = desiredAddresses(current, sel.addresses, provided);
    if ("reason" in want) {
      // As upstream, a --node-ip the VM does not have blocks the update; said once per reason.
      if (this.kept.get(name) !== want.reason)
        this.d.log.info("node addresses kept", { node: name, reason: want.reason });
      this.kept.set(name, want.reason);
      return;
    }
    this.kept.delete(name);
    if (want.addresses.length === 0 || sameAddresses(current, want.addresses)) return;
    const written = await this.d.writer.setAddresses(
      name,
      (cur) => {
        const again = desiredAddresses(cur, sel.addresses, provided);
        return "reason" in again ? [] : again.addresses;
      },
      node,
    );
    if (written) {
      const text = (written.status?.addresses ?? want.addresses).map((a) => `${a.type}=${a.address}`).join(", ");
      this.d.log.info("node addresses updated", { node: name, addresses: text });
      await this.d.recorder.record(node, "Normal", EventReason.AddressesUpdated, `addresses set to ${text}`);
    }
  }
}
