// Command vcsim serves the govmomi vCenter simulator for this project's tests.
//
// It differs from govmomi's own vcsim in six ways the tests need:
//   - -uuid-seed gives each instance distinct VM BIOS/instance UUIDs (the simulator derives
//     them from the VM path, so two instances of one inventory would otherwise collide);
//   - /vcsim/faults lets a test inject SOAP faults (NoPermission, NotAuthenticated, ...) through
//     the simulator's FaultInjector, since the simulator checks no authorization itself;
//   - users: the simulator's UserDirectory (what RetrieveUserGroups searches) knows only root and
//     admin, plus users made with HostLocalAccountManager.CreateUser, which the vCenter model
//     does not serve. We register that manager under the id every host's configManager names
//     (ha-localacctmgr), so CreateUser/RemoveUser work over SOAP (govc host.account.create), and
//     -users creates the listed users at start through it;
//   - permissions follow vCenter's documented API: SetEntityPermissions upserts per principal
//     and RemoveEntityPermission faults with NotFound when there is nothing to remove (authz.go);
//   - property collectors compute updates incrementally (collector.go): the simulator's own
//     WaitForUpdatesEx re-collects each filter's whole view for every object update it is told
//     of and checks maxWaitSeconds only between rounds, so under a churn of Reconfig tasks a
//     collector over 4,000 busy VMs fell minutes behind and left 300 s long polls unanswered.
//     vCenter answers at maxWaitSeconds (null when nothing changed) and reports changes since
//     the client's version (vSphere API reference, WaitOptions and UpdateSet). Ours re-reads
//     only the changed objects a filter reaches, reports the properties whose value changed,
//     re-walks a traversal only when something it follows changes, and answers at
//     maxWaitSeconds; GET /vcsim/collector-stats counts its work;
//   - it listens on loopback only and refuses any other address.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/uuid"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	_ "github.com/vmware/govmomi/vapi/simulator"
)

var version = "dev"

func main() {
	model := simulator.VPX()
	flag.IntVar(&model.Datacenter, "dc", model.Datacenter, "datacenters")
	flag.IntVar(&model.Cluster, "cluster", model.Cluster, "clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "host", model.ClusterHost, "hosts per cluster")
	flag.IntVar(&model.Host, "standalone-host", model.Host, "standalone hosts per datacenter")
	flag.IntVar(&model.Machine, "vm", model.Machine, "VMs per resource pool")
	flag.IntVar(&model.Pool, "pool", model.Pool, "extra resource pools per compute resource")
	flag.IntVar(&model.Folder, "folder", model.Folder, "folders")
	flag.IntVar(&model.Portgroup, "pg", model.Portgroup, "distributed port groups per datacenter")
	listen := flag.String("l", "127.0.0.1:0", "listen address (loopback only)")
	cert := flag.String("tlscert", "", "TLS certificate file (PEM)")
	key := flag.String("tlskey", "", "TLS key file (PEM)")
	user := flag.String("username", "", "login username (any when empty)")
	pass := flag.String("password", "", "login password (any when empty)")
	seed := flag.String("uuid-seed", "", "seed mixed into every VM UUID so instances differ")
	users := flag.String("users", "", "comma-separated user names to create in the user directory")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version)
		return
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("-l %q: vcsim listens on a loopback address only", *listen)
	}

	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	if *seed != "" {
		reseedUUIDs(model, *seed)
	}
	installAuthzManager(model)
	installPropertyCollector(model)
	if err := seedUsers(model, *users); err != nil {
		log.Fatal(err)
	}

	u := &url.URL{Host: *listen}
	if *user != "" {
		u.User = url.UserPassword(*user, *pass)
	}
	model.Service.Listen = u
	model.Service.RegisterEndpoints = true
	model.Service.ServeMux = http.NewServeMux()
	model.Service.ServeMux.HandleFunc("/vcsim/faults", faultsHandler(model.Service))
	model.Service.ServeMux.HandleFunc("/vcsim/collector-stats", collectorStatsHandler)
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	} else {
		model.Service.TLS = new(tls.Config)
	}

	s := model.Service.NewServer()
	fmt.Printf("export GOVC_URL=%s GOVC_SIM_PID=%d\n", s.URL, os.Getpid())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	s.Close()
	model.Remove()
}

// reseedUUIDs rewrites each VM's BIOS and instance UUID from the seed and its original value.
func reseedUUIDs(model *simulator.Model, seed string) {
	ns := uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed))
	for _, ref := range model.Map().AllReference("VirtualMachine") {
		vm := ref.(*simulator.VirtualMachine)
		bios := uuid.NewSHA1(ns, []byte(vm.Config.Uuid)).String()
		inst := uuid.NewSHA1(ns, []byte(vm.Config.InstanceUuid)).String()
		vm.Config.Uuid, vm.Summary.Config.Uuid = bios, bios
		vm.Config.InstanceUuid, vm.Summary.Config.InstanceUuid = inst, inst
	}
}

// accountManagerRef is the HostLocalAccountManager every simulated host's configManager names.
var accountManagerRef = types.ManagedObjectReference{Type: "HostLocalAccountManager", Value: "ha-localacctmgr"}

// seedUsers registers the account manager (the vCenter model has none) and creates each user
// of the comma-separated list through it, as a CreateUser call would.
func seedUsers(model *simulator.Model, users string) error {
	ctx := model.Service.Context
	m, ok := ctx.Map.Get(accountManagerRef).(*simulator.HostLocalAccountManager)
	if !ok {
		m = &simulator.HostLocalAccountManager{}
		m.Self = accountManagerRef
		ctx.Map.Put(m)
	}
	for _, id := range strings.Split(users, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		res := m.CreateUser(ctx, &types.CreateUser{This: accountManagerRef, User: &types.HostAccountSpec{Id: id}})
		if f := res.Fault(); f != nil {
			return fmt.Errorf("-users %q: %s", id, f.String)
		}
	}
	return nil
}

// faultRule is the JSON body of POST /vcsim/faults.
type faultRule struct {
	Method     string                        `json:"method"`     // SOAP method or "*"
	ObjectType string                        `json:"objectType"` // managed object type or "*"
	ObjectName string                        `json:"objectName"` // entity name or "*"
	Fault      string                        `json:"fault"`      // NoPermission, NotAuthenticated, ManagedObjectNotFound, SystemError
	Privilege  string                        `json:"privilege"`  // NoPermission: privilege id reported
	Object     *types.ManagedObjectReference `json:"object"`
	Message    string                        `json:"message"`
	MaxCount   int                           `json:"maxCount"`
	SkipCount  int                           `json:"skipCount"`
}

var faultTypes = map[string]simulator.FaultType{
	"NoPermission":          simulator.FaultTypeNoPermission,
	"NotAuthenticated":      simulator.FaultTypeNotAuthenticated,
	"ManagedObjectNotFound": simulator.FaultTypeManagedObjectNotFound,
	"InvalidArgument":       simulator.FaultTypeInvalidArgument,
	"SystemError":           simulator.FaultTypeGeneric,
}

func orAll(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

func faultsHandler(svc *simulator.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			svc.FaultInjector().ClearRules()
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPost:
			var in faultRule
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			ft, ok := faultTypes[in.Fault]
			if !ok {
				http.Error(w, "fault: one of NoPermission, NotAuthenticated, ManagedObjectNotFound, InvalidArgument, SystemError", http.StatusBadRequest)
				return
			}
			rule := &simulator.FaultInjectionRule{
				MethodName: orAll(in.Method), ObjectType: orAll(in.ObjectType), ObjectName: orAll(in.ObjectName),
				FaultType: ft, Message: in.Message, MaxCount: in.MaxCount, SkipCount: in.SkipCount,
				Probability: 1, Enabled: true,
			}
			if in.Fault == "NoPermission" && (in.Privilege != "" || in.Object != nil) {
				rule.FaultType = simulator.FaultTypeCustom
				rule.Fault = &types.NoPermission{Object: in.Object, PrivilegeId: in.Privilege}
			}
			svc.FaultInjector().AddRule(rule)
			w.WriteHeader(http.StatusCreated)
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"rules": len(svc.FaultInjector().GetRules())})
		default:
			http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
		}
	}
}
