// VsphereZones: the region/zone layout as vSphere tags. From a declarative layout (regions ->
// zones -> the datacenters/clusters/hosts they map to) it makes (or adopts) the two tag
// categories, one tag per region and zone, and the attachments the CCM reads.
import * as pulumi from "@pulumi/pulumi";
import { Tag, TagAttachment, TagCategory } from "./vcenter/index.js";

/** A zone: its tag name and the inventory paths (clusters or hosts) that are in it. */
export interface ZoneLayout {
  /** Tag name, which becomes the `topology.kubernetes.io/zone` label value. */
  name: string;
  /** Inventory paths the zone tag is attached to, e.g. `/DC0/host/DC0_C0`. */
  attachTo: string[];
}

/** A region: its tag name, the objects it is attached to and its zones. */
export interface RegionLayout {
  /** Tag name, which becomes the `topology.kubernetes.io/region` label value. */
  name: string;
  /** Inventory paths the region tag is attached to, usually datacenters (`/DC0`). */
  attachTo: string[];
  zones: ZoneLayout[];
}

export interface VsphereZonesArgs {
  /** Region tag category, default `k8s-region` (the vSphere CSI driver uses the same). */
  regionCategory?: string;
  /** Zone tag category, default `k8s-zone`. */
  zoneCategory?: string;
  /**
   * Reference categories and tags that already exist under these names instead of failing; adopted
   * ones are never changed or deleted by `pulumi destroy`. Default true: most sites have them.
   */
  adoptExisting?: boolean;
  regions: RegionLayout[];
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every problem of a layout, with its property path; empty when valid. */
export function validateZones(args: VsphereZonesArgs): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  if (args.regions.length === 0) problems.push("regions: list at least one region");
  args.regions.forEach((r, i) => {
    const at = `regions[${i}]`;
    if (!r.name || !LABEL_VALUE.test(r.name) || r.name.length > 63) {
      problems.push(
        `${at}.name: ${JSON.stringify(r.name)} must be a valid label value (letters, digits, - _ ., at most 63)`,
      );
    }
    if (r.attachTo.length === 0)
      problems.push(`${at}.attachTo: attach the region to at least one datacenter path, e.g. /DC0`);
    r.zones.forEach((z, j) => {
      const zat = `${at}.zones[${j}]`;
      if (!z.name || !LABEL_VALUE.test(z.name) || z.name.length > 63) {
        problems.push(`${zat}.name: ${JSON.stringify(z.name)} must be a valid label value`);
      }
      if (names.has(z.name)) problems.push(`${zat}.name: zone ${JSON.stringify(z.name)} is listed twice`);
      names.add(z.name);
      if (z.attachTo.length === 0)
        problems.push(`${zat}.attachTo: attach the zone to at least one cluster or host path`);
      for (const p of [...z.attachTo, ...r.attachTo]) {
        if (!p.startsWith("/")) problems.push(`${zat}: ${JSON.stringify(p)} is not an inventory path (start with /)`);
      }
    });
  });
  return problems;
}

export class VsphereZones extends pulumi.ComponentResource {
  readonly regionCategoryId: pulumi.Output<string>;
  readonly zoneCategoryId: pulumi.Output<string>;
  /** Tag ids by region or zone name. */
  readonly tagIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: VsphereZonesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsphere-ccm:index:VsphereZones", name, {}, opts);
    const problems = validateZones(args);
    if (problems.length) throw new pulumi.ResourceError(`invalid zones layout:\n  ${problems.join("\n  ")}`, this);
    const adopt = args.adoptExisting ?? true;
    const p = { parent: this };
    const regionCat = new TagCategory(
      `${name}-region`,
      { name: args.regionCategory ?? "k8s-region", cardinality: "SINGLE", associableTypes: [], adopt },
      p,
    );
    const zoneCat = new TagCategory(
      `${name}-zone`,
      { name: args.zoneCategory ?? "k8s-zone", cardinality: "SINGLE", associableTypes: [], adopt },
      p,
    );
    const ids: Record<string, pulumi.Output<string>> = {};
    const attach = (tag: Tag, tagName: string, paths: string[]) =>
      paths.forEach(
        (path) =>
          new TagAttachment(
            `${name}-${tagName}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`,
            { tagId: tag.id, object: path, adopt },
            p,
          ),
      );
    for (const r of args.regions) {
      const rt = new Tag(`${name}-region-${r.name}`, { categoryId: regionCat.id, name: r.name, adopt }, p);
      ids[r.name] = rt.id;
      attach(rt, r.name, r.attachTo);
      for (const z of r.zones) {
        const zt = new Tag(`${name}-zone-${z.name}`, { categoryId: zoneCat.id, name: z.name, adopt }, p);
        ids[z.name] = zt.id;
        attach(zt, z.name, z.attachTo);
      }
    }
    this.regionCategoryId = regionCat.id;
    this.zoneCategoryId = zoneCat.id;
    this.tagIds = pulumi.all(ids);
    this.registerOutputs({
      regionCategoryId: this.regionCategoryId,
      zoneCategoryId: this.zoneCategoryId,
      tagIds: this.tagIds,
    });
  }
}
