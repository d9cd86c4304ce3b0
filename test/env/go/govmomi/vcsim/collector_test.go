package main

// Engine test of the incremental PropertyCollector: the simulator's own server and SOAP stack,
// govmomi's client, a churn of Reconfig tasks. Run: cd test/env/go/govmomi && go test ./vcsim
// Counts are asserted; times are only logged.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	testVMs     = 400 // 4 clusters x 100
	extraPerVM  = 100
	metadataKey = "guestinfo.metadata"
)

var watched = []string{"name", "guest.ipAddress", `config.extraConfig["` + metadataKey + `"]`}

func reconfig(ctx context.Context, t *testing.T, vm *object.VirtualMachine, opts ...types.BaseOptionValue) {
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: opts})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Errorf("reconfigure %s: %v", vm.Reference(), err)
	}
}

var rt soap.RoundTripper

func wait(ctx context.Context, pc *property.Collector, version string, maxWait int32, maxObjects int32) (*types.UpdateSet, error) {
	res, err := methods.WaitForUpdatesEx(ctx, rt, &types.WaitForUpdatesEx{
		This:    pc.Reference(),
		Version: version,
		Options: &types.WaitOptions{MaxWaitSeconds: &maxWait, MaxObjectUpdates: maxObjects},
	})
	if err != nil {
		return nil, err
	}
	return res.Returnval, nil
}

func TestIncrementalCollectorUnderChurn(t *testing.T) {
	ctx := context.Background()
	model := simulator.VPX()
	model.Cluster, model.ClusterHost, model.Host, model.Machine = 4, 1, 0, testVMs/4
	if err := model.Create(); err != nil {
		t.Fatal(err)
	}
	defer model.Remove()
	installPropertyCollector(model)
	server := model.Service.NewServer()
	defer server.Close()

	c, err := govmomi.NewClient(ctx, server.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	finder, _ := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	refs, err := finder.Find(ctx, []string{"VirtualMachine"}, nil)
	if err != nil || len(refs) != testVMs {
		t.Fatalf("%d VMs, %v", len(refs), err)
	}
	rt = c.Client
	vms := make([]*object.VirtualMachine, len(refs))
	for i, ref := range refs {
		vms[i] = object.NewVirtualMachine(c.Client, ref)
	}

	// Busy VMs: 100 extraConfig entries each, set before the collector exists.
	for _, vm := range vms {
		var opts []types.BaseOptionValue
		for i := range extraPerVM {
			opts = append(opts, &types.OptionValue{Key: fmt.Sprintf("guestinfo.k%d", i), Value: "v"})
		}
		reconfig(ctx, t, vm, opts...)
	}

	root := property.DefaultCollector(c.Client)
	pc, err := root.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := model.Service.Context.Map.Get(root.Reference()).(*Collector); !ok {
		t.Fatal("root PropertyCollector is not the incremental collector")
	}
	ts := &types.TraversalSpec{Type: "ContainerView", Path: "view", Skip: types.NewBool(false)}
	_, err = pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: finder.Reference(), Skip: types.NewBool(true), SelectSet: []types.BaseSelectionSpec{ts}}},
		PropSet:   []types.PropertySpec{{Type: "VirtualMachine", PathSet: watched}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	// Initial state, paged by 50: every VM enters once, the metadata key absent (assign, no value).
	entered := map[types.ManagedObjectReference]bool{}
	version, pages := "", 0
	for {
		set, err := wait(ctx, pc, version, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		version = set.Version
		for _, fu := range set.FilterSet {
			for _, ou := range fu.ObjectSet {
				if ou.Kind != types.ObjectUpdateKindEnter || entered[ou.Obj] || len(ou.ChangeSet) != len(watched) {
					t.Fatalf("initial update %s %s with %d changes", ou.Kind, ou.Obj, len(ou.ChangeSet))
				}
				entered[ou.Obj] = true
			}
		}
		if set.Truncated == nil || !*set.Truncated {
			break
		}
	}
	if len(entered) != testVMs || pages != testVMs/50 {
		t.Fatalf("initial: %d VMs in %d pages, want %d in %d", len(entered), pages, testVMs, testVMs/50)
	}

	// Churn: Reconfig tasks rewriting an unwatched 16 kB key on half the VMs, all the time.
	big := make([]byte, 16<<10)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	stop := make(chan struct{})
	var churned atomic.Int64
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				big[0] = byte('a' + i%26)
				reconfig(ctx, t, vms[(i%(testVMs/2))*2], &types.OptionValue{Key: "guestinfo.appInfo", Value: string(big)})
				churned.Add(1)
			}
		}()
	}
	traversals := collectorStats.Traversals.Load()

	// (a) A long poll whose filter sees no change returns null by maxWaitSeconds during churn.
	start := time.Now()
	set, err := wait(ctx, pc, version, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		t.Fatalf("an appInfo rewrite was reported: %+v", set.FilterSet)
	}
	t.Logf("long poll of 2 s answered null after %s, %d Reconfigs during it", time.Since(start), churned.Load())

	// (b) A watched change on an odd VM (not churned) is delivered, alone and correct.
	target := vms[1]
	before := collectorStats.ObjectReads.Load()
	churnedBefore := churned.Load()
	start = time.Now()
	reconfig(ctx, t, target,
		&types.OptionValue{Key: "SET.guest.ipAddress", Value: "10.9.8.7"},
		&types.OptionValue{Key: metadataKey, Value: "meta"})
	done := time.Since(start)
	got := map[string]any{}
	for len(got) < 2 {
		set, err := wait(ctx, pc, version, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if set == nil {
			t.Fatalf("change not delivered within 10 s; got %v", got)
		}
		version = set.Version
		for _, fu := range set.FilterSet {
			for _, ou := range fu.ObjectSet {
				if ou.Obj != target.Reference() || ou.Kind != types.ObjectUpdateKindModify {
					t.Fatalf("unexpected update %s %s %+v", ou.Kind, ou.Obj, ou.ChangeSet)
				}
				for _, ch := range ou.ChangeSet {
					got[ch.Name] = ch.Val
				}
			}
		}
	}
	t.Logf("change delivered %s after its Reconfig returned", time.Since(start)-done)
	if got["guest.ipAddress"] != "10.9.8.7" {
		t.Errorf("guest.ipAddress = %v", got["guest.ipAddress"])
	}
	if ov, ok := got[watched[2]].(types.OptionValue); !ok || ov.Value != "meta" {
		t.Errorf("%s = %#v", watched[2], got[watched[2]])
	}
	close(stop)
	wg.Wait()

	// The work is per changed object: no traversal during churn (no VM entered or left), and at
	// most one read of a churned VM per Reconfig that changed it, plus the target's.
	if n := collectorStats.Traversals.Load() - traversals; n != 0 {
		t.Errorf("%d traversals of the 400-VM view during churn, want 0", n)
	}
	reads := collectorStats.ObjectReads.Load() - before
	if limit := churned.Load() - churnedBefore + 2; reads > limit {
		t.Errorf("%d object reads for %d Reconfigs", reads, limit)
	}
	t.Logf("%d Reconfigs in all; %d object reads while the change was delivered", churned.Load(), reads)

	// Removal of the keyed entry is a remove; a VM destroyed leaves.
	reconfig(ctx, t, target, &types.OptionValue{Key: metadataKey, Value: ""})
	set, err = wait(ctx, pc, version, 10, 0)
	if err != nil || set == nil || len(set.FilterSet) != 1 || len(set.FilterSet[0].ObjectSet) != 1 {
		t.Fatalf("removal: %+v %v", set, err)
	}
	version = set.Version
	if ch := set.FilterSet[0].ObjectSet[0].ChangeSet; len(ch) != 1 || ch[0].Op != types.PropertyChangeOpRemove || ch[0].Name != watched[2] {
		t.Fatalf("removal: %+v", ch)
	}
	task, err := vms[3].PowerOff(ctx)
	if err == nil {
		_ = task.Wait(ctx)
		task, err = vms[3].Destroy(ctx)
	}
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	set, err = wait(ctx, pc, version, 10, 0)
	if err != nil || set == nil {
		t.Fatalf("leave: %+v %v", set, err)
	}
	version = set.Version
	left := 0
	for _, fu := range set.FilterSet {
		for _, ou := range fu.ObjectSet {
			if ou.Kind == types.ObjectUpdateKindLeave && ou.Obj == vms[3].Reference() {
				left++
			}
		}
	}
	if left != 1 {
		t.Fatalf("leave: %+v", set.FilterSet)
	}

	// CancelWaitForUpdates ends a wait with RequestCanceled.
	errc := make(chan error, 1)
	go func() {
		_, err := wait(ctx, pc, version, 60, 0)
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := pc.CancelWaitForUpdates(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if _, ok := soap.ToSoapFault(err).VimFault().(types.RequestCanceled); !ok {
			t.Fatalf("cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not end the wait")
	}

	// Version "" answers the full state again.
	set, err = wait(ctx, pc, "", 0, 0)
	if err != nil || set == nil {
		t.Fatal(err)
	}
	if n := len(set.FilterSet[0].ObjectSet); n != 100 || set.Truncated == nil || !*set.Truncated {
		t.Fatalf("full state again: %d objects in the first page", n)
	}
	if err := pc.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
}
