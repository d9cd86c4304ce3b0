package main

// An incremental PropertyCollector for the simulator, written against govmomi's exported API.
//
// govmomi v0.55.0's simulator.PropertyCollector.WaitForUpdatesEx re-collects every filter's
// whole view (all objects the filter's traversal reaches, all their requested properties) once
// for every Enter or Modify it was notified of, in one 20 ms tick, and looks at maxWaitSeconds
// only between ticks. With 4,000 VMs of 100 extraConfig entries and a churn of Reconfig tasks
// (each one a VM modify, a Task enter and several Task modifies), a collector over a
// ContainerView of all VMs falls minutes behind and a 300 s long poll goes unanswered.
//
// vCenter does neither (vSphere Web Services API reference, vmodl.query.PropertyCollector):
//   - WaitOptions.maxWaitSeconds: "A positive value causes WaitForUpdatesEx to return null if no
//     updates are available within the specified number of seconds"; 0 does one update
//     calculation and returns; unset waits as long as possible;
//   - UpdateSet: "A set of updates that represent the changes since a prior call"; truncated is
//     true when maxObjectUpdates (or server policy) suspended the calculation, and the client
//     passes the returned version to resume it; the version "" asks for the full state again.
//
// This collector keeps, per filter, the objects the filter reaches and the property values last
// reported for each. A registry handler marks objects dirty as the simulator reports their
// changes; a wait re-reads only the dirty objects that the filter reaches (RetrievePropertiesEx
// on those objects alone, with the filter's property specs), and reports the properties whose
// value differs from the last one sent. The filter's traversal is re-walked (object references
// only, no properties) only when a change touches something the traversal follows (a
// ContainerView's view, a Folder's childEntity, an object spec's root) or an object of a watched
// type enters or leaves. Task enters and modifies, which no inventory filter watches, cost a map
// lookup. maxWaitSeconds is checked between calculations, each of which is proportional to the
// changes, not to the view.
//
// It replaces the root PropertyCollector in the registry: the simulator hands each session a
// fresh instance of the root object's type (session_manager.go, Session.Get: "PropertyCollector
// might be wrapped with a custom type"), and CreatePropertyCollector here makes more of this type,
// so every collector a client can reach is this one. RetrieveProperties(Ex),
// ContinueRetrievePropertiesEx and Fetch are the simulator's own, promoted from the embedded type.

import (
	"context"
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// defaultMaxObjectUpdates is the simulator's (and vCenter's) policy cap per UpdateSet.
const defaultMaxObjectUpdates = 100

// coalesce lets the changes of one burst (a Reconfig's several updates) arrive together.
const coalesce = 20 * time.Millisecond

// readChunk bounds one RetrievePropertiesEx over changed objects.
const readChunk = 500

// collectorStats counts the collector's work since start; GET /vcsim/collector-stats serves it.
// Traversals and ObjectReads count for filters with traversal specs (views, folders), not for
// filters on single objects such as the ones clients put on a Task to wait for it.
var collectorStats struct {
	// Walks of a filter's traversal (object references only).
	Traversals atomic.Int64
	// Objects whose properties were read to compute an update.
	ObjectReads atomic.Int64
	// WaitForUpdatesEx calls answered, and those answered with null at maxWaitSeconds.
	Waits, Timeouts atomic.Int64
}

func collectorStatsHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int64{
		"traversals":  collectorStats.Traversals.Load(),
		"objectReads": collectorStats.ObjectReads.Load(),
		"waits":       collectorStats.Waits.Load(),
		"timeouts":    collectorStats.Timeouts.Load(),
	})
}

// rootCollector is the ServiceContent's propertyCollector reference.
var rootCollector types.ManagedObjectReference

// installPropertyCollector puts a collector of our type in place of the root PropertyCollector.
func installPropertyCollector(model *simulator.Model) {
	m := model.Map()
	si := m.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	rootCollector = si.Content.PropertyCollector
	pc := &Collector{}
	pc.Self = rootCollector
	m.Put(pc)
}

// Collector is a PropertyCollector whose updates are computed incrementally.
// The zero value is ready to use (the simulator creates per-session root collectors by reflection).
type Collector struct {
	simulator.PropertyCollector // first field: the simulator digs the mo type out of it

	mu       sync.Mutex // guards the fields below and every filter's members, dirty and resync
	filters  []*filter
	listener *listener
	wake     chan struct{}
	cancel   context.CancelFunc
	waitSeq  uint64

	waitMu  sync.Mutex // one wait at a time; guards pending, version and every filter's sent
	pending []types.PropertyFilterUpdate
	version int
}

// PropertyFilter is a filter of a Collector.
type PropertyFilter struct {
	mo.PropertyFilter // first field, for the simulator's property reads
	pc                *Collector
	state             *filter
}

type filter struct {
	ref  types.ManagedObjectReference
	spec types.PropertyFilterSpec
	// traversal property paths and the object spec roots with a selectSet
	paths []string
	roots map[types.ManagedObjectReference]bool

	initialized bool
	resync      bool // the traversal may reach other objects now
	members     map[types.ManagedObjectReference]bool
	dirty       map[types.ManagedObjectReference]bool

	// reported state: object -> property path -> last value sent (nil for "no value")
	sent map[types.ManagedObjectReference]map[string]any
}

func (c *Collector) lazyInit() {
	if c.wake == nil {
		c.wake = make(chan struct{}, 1)
	}
}

func (c *Collector) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// listener receives the registry's object events for one collector. It is registered under the
// collector's own reference, so the registry drops it when the collector is removed (Logout
// removes a session's collectors); per-session root collectors share one reference and get
// their own.
type listener struct {
	self types.ManagedObjectReference
	pc   *Collector
}

func (l *listener) Reference() types.ManagedObjectReference { return l.self }

func (l *listener) PutObject(_ *simulator.Context, o mo.Reference) {
	ref := o.Reference()
	c := l.pc
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.filters {
		if f.initialized && !f.resync && f.mayReach(ref, o) {
			f.resync = true
			c.signal()
		}
	}
}

func (l *listener) UpdateObject(_ *simulator.Context, o mo.Reference, changes []types.PropertyChange) {
	ref := o.Reference()
	c := l.pc
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.filters {
		if !f.initialized {
			continue
		}
		if f.members[ref] && !f.dirty[ref] {
			f.dirty[ref] = true
			c.signal()
		}
		if !f.resync && f.touchesTraversal(ref, changes) {
			f.resync = true
			c.signal()
		}
	}
}

func (l *listener) RemoveObject(_ *simulator.Context, ref types.ManagedObjectReference) {
	c := l.pc
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.filters {
		if f.initialized && !f.resync && (f.members[ref] || f.roots[ref]) {
			f.resync = true
			c.signal()
		}
	}
}

// mayReach says whether a new object could be one this filter reports: its type is one the
// property specs name (directly, or as an embedded base type such as ManagedEntity).
func (f *filter) mayReach(ref types.ManagedObjectReference, o mo.Reference) bool {
	for _, p := range f.spec.PropSet {
		if p.Type == ref.Type || embeds(o, p.Type) {
			return true
		}
	}
	return false
}

// embeds reports whether the object's mo type embeds the named type (ManagedEntity, ...).
func embeds(o mo.Reference, name string) bool {
	t := reflect.TypeOf(o)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for t.Kind() == reflect.Struct && path.Base(t.PkgPath()) != "mo" {
		if t.NumField() == 0 {
			return false
		}
		t = t.Field(0).Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	sf, ok := t.FieldByName(name)
	return ok && sf.Anonymous
}

// touchesTraversal says whether a change can alter the set of objects the filter reaches.
func (f *filter) touchesTraversal(ref types.ManagedObjectReference, changes []types.PropertyChange) bool {
	if f.roots[ref] {
		return true
	}
	for _, ch := range changes {
		for _, p := range f.paths {
			if ch.Name == p || strings.HasPrefix(ch.Name, p+".") || strings.HasPrefix(ch.Name, p+"[") ||
				strings.HasPrefix(p, ch.Name+".") {
				return true
			}
		}
	}
	return false
}

func newFilter(spec types.PropertyFilterSpec) *filter {
	f := &filter{
		spec:    spec,
		roots:   map[types.ManagedObjectReference]bool{},
		members: map[types.ManagedObjectReference]bool{},
		dirty:   map[types.ManagedObjectReference]bool{},
		sent:    map[types.ManagedObjectReference]map[string]any{},
	}
	seen := map[string]bool{}
	var walk func(sel []types.BaseSelectionSpec)
	walk = func(sel []types.BaseSelectionSpec) {
		for _, s := range sel {
			ts, ok := s.(*types.TraversalSpec)
			if !ok {
				continue
			}
			if !seen[ts.Path] {
				seen[ts.Path] = true
				f.paths = append(f.paths, ts.Path)
			}
			walk(ts.SelectSet)
		}
	}
	for _, o := range spec.ObjectSet {
		if len(o.SelectSet) != 0 {
			f.roots[o.Obj] = true
		}
		walk(o.SelectSet)
	}
	return f
}

// CreateFilter registers a filter; its objects are reported (enter) by the next wait.
func (c *Collector) CreateFilter(ctx *simulator.Context, req *types.CreateFilter) soap.HasFault {
	pf := &PropertyFilter{pc: c, state: newFilter(req.Spec)}
	pf.Spec = req.Spec
	pf.PartialUpdates = req.PartialUpdates
	ref := ctx.Session.Put(pf).Reference()
	pf.state.ref = ref

	c.mu.Lock()
	c.lazyInit()
	c.filters = append(c.filters, pf.state)
	c.Filter = append(c.Filter, ref)
	if c.listener == nil {
		l := &listener{self: c.Self, pc: c}
		if c.Self == rootCollector {
			l.self = types.ManagedObjectReference{Type: "PropertyCollector", Value: "listener-" + ctx.Session.Key}
		}
		c.listener = l
		ctx.Map.AddHandler(l)
	}
	c.signal()
	c.mu.Unlock()

	return &methods.CreateFilterBody{Res: &types.CreateFilterResponse{Returnval: ref}}
}

// DestroyPropertyFilter removes the filter; its objects are no longer reported.
func (pf *PropertyFilter) DestroyPropertyFilter(ctx *simulator.Context, req *types.DestroyPropertyFilter) soap.HasFault {
	pf.pc.removeFilter(ctx, req.This)
	return &methods.DestroyPropertyFilterBody{Res: &types.DestroyPropertyFilterResponse{}}
}

func (c *Collector) removeFilter(ctx *simulator.Context, ref types.ManagedObjectReference) {
	c.mu.Lock()
	for i, f := range c.filters {
		if f.ref == ref {
			c.filters = append(c.filters[:i:i], c.filters[i+1:]...)
			break
		}
	}
	for i, r := range c.Filter {
		if r == ref {
			c.Filter = append(c.Filter[:i:i], c.Filter[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	ctx.Session.Remove(ctx, ref)
}

// CreatePropertyCollector makes a collector of this type in the session.
func (c *Collector) CreatePropertyCollector(ctx *simulator.Context, _ *types.CreatePropertyCollector) soap.HasFault {
	ref := ctx.Session.Put(&Collector{}).Reference()
	return &methods.CreatePropertyCollectorBody{Res: &types.CreatePropertyCollectorResponse{Returnval: ref}}
}

// DestroyPropertyCollector ends a wait in progress, then removes the collector and its filters.
func (c *Collector) DestroyPropertyCollector(ctx *simulator.Context, req *types.DestroyPropertyCollector) soap.HasFault {
	c.cancelWait()
	c.mu.Lock()
	filters := append([]types.ManagedObjectReference(nil), c.Filter...)
	c.filters, c.Filter = nil, nil
	l := c.listener
	c.listener = nil
	c.mu.Unlock()
	if l != nil {
		ctx.Map.RemoveHandler(l)
	}
	for _, ref := range filters {
		ctx.Session.Remove(ctx, ref)
	}
	ctx.Session.Remove(ctx, req.This)
	return &methods.DestroyPropertyCollectorBody{Res: &types.DestroyPropertyCollectorResponse{}}
}

func (c *Collector) cancelWait() {
	c.mu.Lock()
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Unlock()
}

// CancelWaitForUpdates makes a wait in progress fail with RequestCanceled.
func (c *Collector) CancelWaitForUpdates(_ *types.CancelWaitForUpdates) soap.HasFault {
	c.cancelWait()
	return &methods.CancelWaitForUpdatesBody{Res: new(types.CancelWaitForUpdatesResponse)}
}

// WaitForUpdates is the deprecated form: no options, waits until there is something to report.
func (c *Collector) WaitForUpdates(ctx *simulator.Context, r *types.WaitForUpdates) soap.HasFault {
	body := &methods.WaitForUpdatesBody{}
	res := c.WaitForUpdatesEx(ctx, &types.WaitForUpdatesEx{This: r.This, Version: r.Version})
	if f := res.Fault(); f != nil {
		body.Fault_ = f
		return body
	}
	if set := res.(*methods.WaitForUpdatesExBody).Res.Returnval; set != nil {
		body.Res = &types.WaitForUpdatesResponse{Returnval: *set}
	}
	return body
}

// CheckForUpdates is one calculation without waiting; no update set when nothing changed.
func (c *Collector) CheckForUpdates(ctx *simulator.Context, r *types.CheckForUpdates) soap.HasFault {
	body := &methods.CheckForUpdatesBody{Res: &types.CheckForUpdatesResponse{}}
	zero := int32(0)
	res := c.WaitForUpdatesEx(ctx, &types.WaitForUpdatesEx{This: r.This, Version: r.Version,
		Options: &types.WaitOptions{MaxWaitSeconds: &zero}})
	if f := res.Fault(); f != nil {
		body.Fault_ = f
		body.Res = nil
		return body
	}
	body.Res.Returnval = res.(*methods.WaitForUpdatesExBody).Res.Returnval
	return body
}

// WaitForUpdatesEx answers with the changes since the version the client knows, pages them by
// maxObjectUpdates, and answers null at maxWaitSeconds when nothing changed.
func (c *Collector) WaitForUpdatesEx(ctx *simulator.Context, r *types.WaitForUpdatesEx) soap.HasFault {
	c.cancelWait() // a new wait supersedes one in progress
	c.waitMu.Lock()
	defer c.waitMu.Unlock()

	wait, cancel := context.WithCancel(context.Background())
	once := false
	maxObjects := defaultMaxObjectUpdates
	if o := r.Options; o != nil {
		if s := o.MaxWaitSeconds; s != nil {
			once = *s <= 0
			if *s > 0 {
				cancel()
				wait, cancel = context.WithTimeout(context.Background(), time.Duration(*s)*time.Second)
			}
		}
		if m := o.MaxObjectUpdates; m > 0 && m < defaultMaxObjectUpdates {
			maxObjects = int(m)
		}
	}
	defer cancel()
	c.mu.Lock()
	c.lazyInit()
	c.cancel = cancel
	c.mu.Unlock()

	collectorStats.Waits.Add(1)
	body := &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{}}

	if r.Version == "" {
		c.reset()
		once = true // the full state is answered at once, even when it is empty
	}

	for {
		if len(c.pending) == 0 {
			fus, fault := c.calculate(ctx)
			if fault != nil {
				body.Res = nil
				body.Fault_ = simulator.Fault("", fault)
				return body
			}
			c.pending = fus
		}
		if len(c.pending) != 0 || (once && r.Version == "") {
			body.Res.Returnval = c.page(maxObjects)
			return body
		}
		if once {
			return body // null: nothing changed
		}
		select {
		case <-wait.Done():
			if wait.Err() == context.Canceled {
				body.Res = nil
				body.Fault_ = simulator.Fault("", new(types.RequestCanceled))
				return body
			}
			collectorStats.Timeouts.Add(1)
			return body // null at maxWaitSeconds
		case <-c.wake:
			time.Sleep(coalesce)
		}
	}
}

// page takes up to max object updates from pending into a new version.
func (c *Collector) page(max int) *types.UpdateSet {
	c.version++
	set := &types.UpdateSet{Version: strconv.Itoa(c.version)}
	n := 0
	for len(c.pending) != 0 && n < max {
		fu := c.pending[0]
		take := min(len(fu.ObjectSet), max-n)
		set.FilterSet = append(set.FilterSet, types.PropertyFilterUpdate{Filter: fu.Filter, ObjectSet: fu.ObjectSet[:take]})
		n += take
		if take == len(fu.ObjectSet) {
			c.pending = c.pending[1:]
		} else {
			c.pending[0].ObjectSet = fu.ObjectSet[take:]
		}
	}
	if len(c.pending) != 0 {
		set.Truncated = types.NewBool(true)
	} else {
		c.pending = nil
	}
	return set
}

// reset forgets what was reported: the next calculation reports every object as entering.
func (c *Collector) reset() {
	c.pending = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.filters {
		f.initialized = false
		f.resync = false
		clear(f.members)
		clear(f.dirty)
		clear(f.sent)
	}
}

// calculate computes every filter's updates since the last calculation.
func (c *Collector) calculate(ctx *simulator.Context) ([]types.PropertyFilterUpdate, types.BaseMethodFault) {
	c.mu.Lock()
	filters := append([]*filter(nil), c.filters...)
	c.mu.Unlock()

	var out []types.PropertyFilterUpdate
	for _, f := range filters {
		objs, fault := c.calculateFilter(ctx, f)
		if fault != nil {
			return nil, fault
		}
		if len(objs) != 0 {
			out = append(out, types.PropertyFilterUpdate{Filter: f.ref, ObjectSet: objs})
		}
	}
	return out, nil
}

func (c *Collector) calculateFilter(ctx *simulator.Context, f *filter) ([]types.ObjectUpdate, types.BaseMethodFault) {
	c.mu.Lock()
	walk := !f.initialized || f.resync
	f.resync = false
	dirty := f.dirty
	f.dirty = map[types.ManagedObjectReference]bool{}
	c.mu.Unlock()

	var entered, left []types.ManagedObjectReference
	if walk {
		refs, fault := c.traverse(ctx, f)
		if fault != nil {
			return nil, fault
		}
		now := make(map[types.ManagedObjectReference]bool, len(refs))
		for _, ref := range refs {
			now[ref] = true
			if _, known := f.sent[ref]; !known {
				entered = append(entered, ref)
			}
		}
		for ref := range f.sent {
			if !now[ref] {
				left = append(left, ref)
			}
		}
		sortRefs(left)
		c.mu.Lock()
		f.members = now
		f.initialized = true
		c.mu.Unlock()
	}

	c.mu.Lock()
	var changed []types.ManagedObjectReference
	for ref := range dirty {
		if _, known := f.sent[ref]; known && f.members[ref] {
			changed = append(changed, ref)
		}
	}
	c.mu.Unlock()
	sortRefs(changed)

	var updates []types.ObjectUpdate
	read := append(entered, changed...)
	for start := 0; start < len(read); start += readChunk {
		end := min(start+readChunk, len(read))
		objects, fault := c.read(ctx, f, read[start:end])
		if fault != nil {
			return nil, fault
		}
		for _, oc := range objects {
			if ou, ok := f.diff(oc); ok {
				updates = append(updates, ou)
			}
		}
	}
	for _, ref := range left {
		delete(f.sent, ref)
		updates = append(updates, types.ObjectUpdate{Obj: ref, Kind: types.ObjectUpdateKindLeave})
	}
	return updates, nil
}

// traverse walks the filter's object specs and traversal specs and returns the objects whose
// type a property spec names, without reading any property.
func (c *Collector) traverse(ctx *simulator.Context, f *filter) ([]types.ManagedObjectReference, types.BaseMethodFault) {
	if len(f.roots) != 0 {
		collectorStats.Traversals.Add(1)
	}
	spec := f.spec
	spec.PropSet = make([]types.PropertySpec, len(f.spec.PropSet))
	for i, p := range f.spec.PropSet {
		spec.PropSet[i] = types.PropertySpec{Type: p.Type}
	}
	spec.ReportMissingObjectsInResults = types.NewBool(true) // a root gone means its objects left
	res, fault := c.retrieve(ctx, spec)
	if fault != nil {
		return nil, fault
	}
	refs := make([]types.ManagedObjectReference, 0, len(res))
	for _, oc := range res {
		refs = append(refs, oc.Obj)
	}
	return refs, nil
}

// read retrieves the filter's properties of the given objects (no traversal).
func (c *Collector) read(ctx *simulator.Context, f *filter, refs []types.ManagedObjectReference) ([]types.ObjectContent, types.BaseMethodFault) {
	if len(f.roots) != 0 {
		collectorStats.ObjectReads.Add(int64(len(refs)))
	}
	spec := types.PropertyFilterSpec{PropSet: f.spec.PropSet, ReportMissingObjectsInResults: types.NewBool(true)}
	for _, ref := range refs {
		spec.ObjectSet = append(spec.ObjectSet, types.ObjectSpec{Obj: ref})
	}
	return c.retrieve(ctx, spec)
}

func (c *Collector) retrieve(ctx *simulator.Context, spec types.PropertyFilterSpec) ([]types.ObjectContent, types.BaseMethodFault) {
	res := c.PropertyCollector.RetrievePropertiesEx(ctx, &types.RetrievePropertiesEx{
		This:    c.Self,
		SpecSet: []types.PropertyFilterSpec{spec},
	})
	if f := res.Fault(); f != nil {
		if mf, ok := f.VimFault().(types.BaseMethodFault); ok {
			return nil, mf
		}
		return nil, &types.SystemError{Reason: f.String}
	}
	rr := res.(*methods.RetrievePropertiesExBody).Res
	if rr == nil || rr.Returnval == nil {
		return nil, nil
	}
	return rr.Returnval.Objects, nil
}

// diff turns an object's current properties into an update against what was last reported:
// enter with every property the first time, else modify with the properties that changed.
// A requested path without a value is reported as an assign with no value on enter (as the
// simulator's own collector does), and on modify as remove for a keyed path (an entry of a
// key-based array that went away) or as an assign with no value otherwise.
func (f *filter) diff(oc types.ObjectContent) (types.ObjectUpdate, bool) {
	now := make(map[string]any, len(oc.PropSet))
	var order []string
	for _, p := range oc.PropSet {
		now[p.Name] = p.Val
		order = append(order, p.Name)
	}
	// requested paths the object has no value for
	for _, p := range f.spec.PropSet {
		if p.Type != oc.Obj.Type || (p.All != nil && *p.All) {
			continue
		}
		for _, name := range p.PathSet {
			if _, ok := now[name]; !ok && !missing(oc, name) {
				now[name] = nil
				order = append(order, name)
			}
		}
	}

	prev, known := f.sent[oc.Obj]
	ou := types.ObjectUpdate{Obj: oc.Obj, Kind: types.ObjectUpdateKindModify}
	if !known {
		ou.Kind = types.ObjectUpdateKindEnter
		ou.MissingSet = oc.MissingSet
		for _, name := range order {
			ou.ChangeSet = append(ou.ChangeSet, types.PropertyChange{Name: name, Op: types.PropertyChangeOpAssign, Val: now[name]})
		}
	} else {
		for _, name := range order {
			old, had := prev[name]
			val := now[name]
			if had && reflect.DeepEqual(old, val) {
				continue
			}
			op := types.PropertyChangeOpAssign
			if val == nil && old != nil && strings.Contains(name, "[") {
				op = types.PropertyChangeOpRemove
			}
			if val == nil && old == nil {
				continue
			}
			ou.ChangeSet = append(ou.ChangeSet, types.PropertyChange{Name: name, Op: op, Val: val})
		}
		for name, old := range prev { // properties an All spec no longer returns
			if _, ok := now[name]; !ok && old != nil {
				ou.ChangeSet = append(ou.ChangeSet, types.PropertyChange{Name: name, Op: types.PropertyChangeOpAssign})
			}
		}
	}
	f.sent[oc.Obj] = now
	return ou, ou.Kind == types.ObjectUpdateKindEnter || len(ou.ChangeSet) != 0
}

func missing(oc types.ObjectContent, name string) bool {
	for _, m := range oc.MissingSet {
		if m.Path == name {
			return true
		}
	}
	return false
}

func sortRefs(refs []types.ManagedObjectReference) {
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Type != refs[j].Type {
			return refs[i].Type < refs[j].Type
		}
		return refs[i].Value < refs[j].Value
	})
}
