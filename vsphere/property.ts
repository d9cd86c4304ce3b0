// The PropertyCollector: paged reads (RetrievePropertiesEx + ContinueRetrievePropertiesEx),
// container views, and change feeds (CreateFilter + WaitForUpdatesEx) as async iterators.
import { asArray, asMoRef, asObject, asString, moArg, typed, type Decoded, type DecodedObject } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

export interface PropertySpec {
  type: string;
  pathSet: string[];
}

/**
 * Objects to read: one object, every object of a container view, or the objects reached from
 * `from` along a reference property (`recursive`: follow it again from each, e.g. the whole
 * parent chain in one call).
 */
export type ObjectSource =
  | { obj: MoRef }
  | { view: MoRef }
  | { along: { from: MoRef; type: string; path: string; recursive: boolean; skipStart: boolean } };

export interface FilterSpec {
  props: PropertySpec[];
  source: ObjectSource;
}

export interface ObjectContent {
  obj: MoRef;
  props: Record<string, Decoded>;
  /** Paths vCenter could not read, with the fault name (e.g. NoPermission). */
  missing: { path: string; fault: string }[];
}

function encodeObjectSet(source: ObjectSource): Record<string, unknown> {
  if ("obj" in source) return { obj: moArg(source.obj), skip: false };
  if ("view" in source) {
    return {
      obj: moArg(source.view),
      skip: true,
      selectSet: [typed("TraversalSpec", { name: "view", type: "ContainerView", path: "view", skip: false })],
    };
  }
  const a = source.along;
  const name = "along";
  const traversal = typed("TraversalSpec", {
    name,
    type: a.type,
    path: a.path,
    skip: false,
    ...(a.recursive ? { selectSet: [{ name }] } : {}),
  });
  return { obj: moArg(a.from), skip: a.skipStart, selectSet: [traversal] };
}

function encodeFilterSpec(spec: FilterSpec): Record<string, unknown> {
  const objectSet = encodeObjectSet(spec.source);
  return {
    propSet: spec.props.map((p) => ({ type: p.type, all: false, pathSet: p.pathSet })),
    objectSet: [objectSet],
  };
}

export function decodeObjectContent(d: Decoded): ObjectContent | undefined {
  const o = asObject(d);
  const obj = asMoRef(o?.obj);
  if (!o || !obj) return undefined;
  const props: Record<string, Decoded> = {};
  for (const p of asArray<DecodedObject>(o.propSet)) {
    const name = asString(p.name);
    if (name !== undefined) props[name] = p.val ?? null;
  }
  const missing = asArray<DecodedObject>(o.missingSet).map((m) => ({
    path: asString(m.path) ?? "",
    fault: asString(asObject(asObject(m.fault)?.fault)?._type) ?? "unknown",
  }));
  return { obj, props, missing };
}

export interface RetrieveOptions {
  /** Page size (vCenter's maxObjects). Unset: the server decides (vcsim: one page). */
  maxObjects?: number;
  signal?: AbortSignal;
}

/** Reads every matching object, following continuation tokens; each page is one call. */
export async function retrieveProperties(
  session: VsphereSession,
  spec: FilterSpec,
  opts: RetrieveOptions = {},
): Promise<ObjectContent[]> {
  const pc = session.serviceContent.propertyCollector;
  const options = opts.maxObjects ? { maxObjects: opts.maxObjects } : {};
  const out: ObjectContent[] = [];
  const collect = (res: Decoded) => {
    const r = asObject(res);
    for (const o of asArray(r?.objects)) {
      const c = decodeObjectContent(o);
      if (c) out.push(c);
    }
    return asString(r?.token);
  };
  let token = collect(
    await session.call(
      "RetrievePropertiesEx",
      pc,
      { specSet: [encodeFilterSpec(spec)], options },
      { signal: opts.signal },
    ),
  );
  while (token) {
    token = collect(await session.call("ContinueRetrievePropertiesEx", pc, { token }, { signal: opts.signal }));
  }
  return out;
}

/** Properties of one object (empty record when it has none of them set). */
export async function objectProperties(
  session: VsphereSession,
  obj: MoRef,
  pathSet: string[],
  signal?: AbortSignal,
): Promise<Record<string, Decoded>> {
  const [c] = await retrieveProperties(session, { props: [{ type: obj.type, pathSet }], source: { obj } }, { signal });
  return c?.props ?? {};
}

/** A ContainerView over `container` (root folder by default) holding objects of the given types. */
export async function createContainerView(
  session: VsphereSession,
  types: string[],
  opts: { container?: MoRef; recursive?: boolean; signal?: AbortSignal } = {},
): Promise<MoRef> {
  const sc = session.serviceContent;
  const ref = asMoRef(
    await session.call(
      "CreateContainerView",
      sc.viewManager,
      { container: moArg(opts.container ?? sc.rootFolder), type: types, recursive: opts.recursive ?? true },
      { signal: opts.signal },
    ),
  );
  if (!ref) throw new Error("CreateContainerView returned no view");
  return ref;
}

export async function destroyView(session: VsphereSession, view: MoRef, signal?: AbortSignal): Promise<void> {
  await session.call("DestroyView", view, {}, { signal });
}

/** The parent chain of an object, nearest first, up to (and including) the root folder; one call. */
export async function ancestry(
  session: VsphereSession,
  obj: MoRef,
  signal?: AbortSignal,
): Promise<{ ref: MoRef; name: string }[]> {
  const found = await retrieveProperties(
    session,
    {
      props: [{ type: "ManagedEntity", pathSet: ["name", "parent"] }],
      source: { along: { from: obj, type: "ManagedEntity", path: "parent", recursive: true, skipStart: false } },
    },
    { signal },
  );
  const byKey = new Map(found.map((c) => [`${c.obj.type}:${c.obj.value}`, c]));
  const out: { ref: MoRef; name: string }[] = [];
  // The server's order is unspecified: rebuild the chain by following parent links.
  let cur = asMoRef(byKey.get(`${obj.type}:${obj.value}`)?.props.parent);
  for (let depth = 0; cur && depth < 64; depth++) {
    const c = byKey.get(`${cur.type}:${cur.value}`);
    if (!c) break;
    out.push({ ref: c.obj, name: asString(c.props.name) ?? "" });
    cur = asMoRef(c.props.parent);
  }
  return out;
}

export type ChangeOp = "add" | "remove" | "assign" | "indirectRemove";

export interface ObjectUpdate {
  kind: "enter" | "leave" | "modify";
  obj: MoRef;
  changes: { path: string; op: ChangeOp; value: Decoded }[];
  missing: { path: string; fault: string }[];
}

export interface UpdateBatch {
  /** True for the first batch of a (re)created filter: it holds the full current state. */
  initial: boolean;
  updates: ObjectUpdate[];
  /** vCenter had more; the next batch follows without waiting. */
  truncated: boolean;
  version: string;
}

function decodeUpdateSet(d: Decoded): { version: string; truncated: boolean; updates: ObjectUpdate[] } | undefined {
  const u = asObject(d);
  if (!u) return undefined;
  const updates: ObjectUpdate[] = [];
  for (const f of asArray<DecodedObject>(u.filterSet)) {
    for (const o of asArray<DecodedObject>(f.objectSet)) {
      const obj = asMoRef(o.obj);
      if (!obj) continue;
      updates.push({
        kind: (asString(o.kind) ?? "modify") as ObjectUpdate["kind"],
        obj,
        changes: asArray<DecodedObject>(o.changeSet).map((c) => ({
          path: asString(c.name) ?? "",
          op: (asString(c.op) ?? "assign") as ChangeOp,
          value: c.val ?? null,
        })),
        missing: asArray<DecodedObject>(o.missingSet).map((m) => ({
          path: asString(m.path) ?? "",
          fault: asString(asObject(asObject(m.fault)?.fault)?._type) ?? "unknown",
        })),
      });
    }
  }
  return { version: asString(u.version) ?? "", truncated: u.truncated === true || u.truncated === "true", updates };
}

export interface WatchOptions {
  /** Long-poll length per WaitForUpdatesEx call; idle cost is one call per this many seconds. */
  maxWaitSeconds?: number;
  /** Cap per batch (vCenter then sets truncated). */
  maxObjectUpdates?: number;
  signal?: AbortSignal;
}

/**
 * A change feed on its own PropertyCollector. The first batch (and the first after a re-login,
 * since filters die with their session) is `initial` and holds the full state; later batches
 * hold changes. Ends when the signal aborts.
 */
export async function* watch(
  session: VsphereSession,
  spec: FilterSpec,
  opts: WatchOptions = {},
): AsyncGenerator<UpdateBatch> {
  const maxWait = opts.maxWaitSeconds ?? 60;
  let collector: MoRef | undefined;
  let generation = -1;
  let version = "";
  const setup = async () => {
    generation = session.generation;
    const pc = asMoRef(
      await session.call(
        "CreatePropertyCollector",
        session.serviceContent.propertyCollector,
        {},
        { signal: opts.signal },
      ),
    );
    if (!pc) throw new Error("CreatePropertyCollector returned no collector");
    collector = pc;
    await session.call(
      "CreateFilter",
      pc,
      { spec: encodeFilterSpec(spec), partialUpdates: false },
      { signal: opts.signal },
    );
    version = "";
  };
  try {
    while (!opts.signal?.aborted) {
      if (!collector || generation !== session.generation) await setup();
      const options: Record<string, unknown> = { maxWaitSeconds: maxWait };
      if (opts.maxObjectUpdates) options.maxObjectUpdates = opts.maxObjectUpdates;
      let res: Decoded;
      try {
        res = await session.call(
          "WaitForUpdatesEx",
          collector as MoRef,
          { version, options },
          { signal: opts.signal, timeoutMs: (maxWait + 30) * 1000 },
        );
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw err;
      }
      if (generation !== session.generation) continue; // re-logged in during the wait: start over
      const set = decodeUpdateSet(res);
      if (!set) continue; // maxWaitSeconds elapsed with no change
      const initial = version === "";
      version = set.version;
      yield { initial, updates: set.updates, truncated: set.truncated, version };
    }
  } finally {
    if (collector && generation === session.generation) {
      await session.call("DestroyPropertyCollector", collector, {}, { timeoutMs: 5000 }).catch(() => {});
    }
  }
}
