package apiserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/netip"
	"sync"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// DefaultServiceClusterIPRange and DefaultServiceNodePortRange are kube-apiserver's defaults for
// --service-cluster-ip-range and --service-node-port-range.
const (
	DefaultServiceClusterIPRange = "10.96.0.0/12"
	DefaultServiceNodePortRange  = "30000-32767"
)

// serviceAllocator hands out cluster IPs and node ports to services as kube-apiserver's allocators do: a requested
// value must be in range and free, otherwise a free one is picked; values return to the pool when their service is
// deleted. Safe for concurrent use.
type serviceAllocator struct {
	prefix            netip.Prefix
	size              int64 // addresses in prefix, network and broadcast included
	portBase, portMax int32

	// mu guards ips, ports and the search cursors.
	mu       sync.Mutex
	ips      map[netip.Addr]bool
	ports    map[int32]bool
	nextIP   int64
	nextPort int32
}

// newServiceAllocator returns an allocator for an IPv4 CIDR and a port range "low-high".
func newServiceAllocator(cidr, portRange string) (*serviceAllocator, error) {
	if cidr == "" {
		cidr = DefaultServiceClusterIPRange
	}
	if portRange == "" {
		portRange = DefaultServiceNodePortRange
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() > 30 {
		return nil, fmt.Errorf("apiserver: service cluster IP range %q: want an IPv4 CIDR of at least 4 addresses", cidr)
	}
	var low, high int32
	if _, err := fmt.Sscanf(portRange, "%d-%d", &low, &high); err != nil || low <= 0 || high < low || high > 65535 {
		return nil, fmt.Errorf("apiserver: service node port range %q: want low-high", portRange)
	}
	a := &serviceAllocator{
		prefix: prefix.Masked(), size: int64(1) << (32 - prefix.Bits()), portBase: low, portMax: high,
		ips: map[netip.Addr]bool{}, ports: map[int32]bool{},
	}
	a.nextIP, a.nextPort = 10, low // below .10 stays for the addresses clusters give their own services
	return a, nil
}

// fork returns an independent copy, for Server.Fork.
func (a *serviceAllocator) fork() *serviceAllocator {
	a.mu.Lock()
	defer a.mu.Unlock()
	cp := &serviceAllocator{prefix: a.prefix, size: a.size, portBase: a.portBase, portMax: a.portMax,
		ips: maps.Clone(a.ips), ports: maps.Clone(a.ports), nextIP: a.nextIP, nextPort: a.nextPort}
	return cp
}

// addr returns the address at offset i of the range.
func (a *serviceAllocator) addr(i int64) netip.Addr {
	b := a.prefix.Addr().As4()
	n := new(big.Int).SetBytes(b[:])
	n.Add(n, big.NewInt(i))
	var out [4]byte
	n.FillBytes(out[:])
	return netip.AddrFrom4(out)
}

// serviceAllocation is what one create took from the allocator, so that a failed create can give it back.
type serviceAllocation struct {
	ips   []netip.Addr
	ports []int32
}

// allocate gives a new service (a decoded, defaulted Service) its cluster IP and node ports, in place. Errors are
// the field errors kube-apiserver reports for unavailable values.
func (a *serviceAllocator) allocate(svc map[string]any) (*serviceAllocation, types.FieldErrorList) {
	spec, _ := svc["spec"].(map[string]any)
	if spec == nil {
		return nil, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	got := &serviceAllocation{}
	typ, _ := spec["type"].(string)
	if typ == "ExternalName" {
		return got, nil
	}
	ipsPath := types.NewFieldPath("spec", "clusterIPs")
	ip, _ := spec["clusterIP"].(string)
	if ips, _ := spec["clusterIPs"].([]any); ip == "" && len(ips) > 0 {
		ip, _ = ips[0].(string)
	}
	switch ip {
	case "None":
		spec["clusterIP"], spec["clusterIPs"] = "None", []any{"None"}
	case "":
		addr, ok := a.freeIP()
		if !ok {
			a.releaseLocked(got)
			return nil, types.FieldErrorList{types.FieldInternalError(ipsPath, fmt.Errorf("failed to allocate a serviceIP: range is full"))}
		}
		a.ips[addr] = true
		got.ips = append(got.ips, addr)
		spec["clusterIP"], spec["clusterIPs"] = addr.String(), []any{addr.String()}
	default:
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return got, nil // validation reports the malformed address
		}
		switch {
		case !a.prefix.Contains(addr) || addr == a.prefix.Addr() || addr == a.addr(a.size-1):
			return nil, types.FieldErrorList{types.FieldInvalid(ipsPath, []string{ip}, fmt.Sprintf(
				"failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, ip, a.prefix))}
		case a.ips[addr]:
			return nil, types.FieldErrorList{types.FieldInvalid(ipsPath, []string{ip}, fmt.Sprintf(
				"failed to allocate IP %s: provided IP is already allocated", ip))}
		}
		a.ips[addr] = true
		got.ips = append(got.ips, addr)
		spec["clusterIP"], spec["clusterIPs"] = ip, []any{ip}
	}
	if typ != "NodePort" && typ != "LoadBalancer" {
		return got, nil
	}
	if typ == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"] == false {
		return got, nil
	}
	ports, _ := spec["ports"].([]any)
	for i, p := range ports {
		port, _ := p.(map[string]any)
		if port == nil {
			continue
		}
		path := types.NewFieldPath("spec", "ports").Index(i).Child("nodePort")
		n, given := port["nodePort"].(int64)
		if !given || n == 0 {
			free, ok := a.freePort()
			if !ok {
				a.releaseLocked(got)
				return nil, types.FieldErrorList{types.FieldInternalError(path, fmt.Errorf("failed to allocate a nodePort: range is full"))}
			}
			a.ports[free] = true
			got.ports = append(got.ports, free)
			port["nodePort"] = int64(free)
			continue
		}
		switch {
		case n < int64(a.portBase) || n > int64(a.portMax):
			a.releaseLocked(got)
			return nil, types.FieldErrorList{types.FieldInvalid(path, n, fmt.Sprintf(
				"provided port is not in the valid range. The range of valid ports is %d-%d", a.portBase, a.portMax))}
		case a.ports[int32(n)] && !got.hasPort(int32(n)):
			a.releaseLocked(got)
			return nil, types.FieldErrorList{types.FieldInvalid(path, n, "provided port is already allocated")}
		}
		if !got.hasPort(int32(n)) { // two ports of one service may share a node port (TCP and UDP)
			a.ports[int32(n)] = true
			got.ports = append(got.ports, int32(n))
		}
	}
	return got, nil
}

func (g *serviceAllocation) hasPort(p int32) bool {
	for _, q := range g.ports {
		if q == p {
			return true
		}
	}
	return false
}

// freeIP finds a free address, searching on from the last one handed out. a.mu must be held.
func (a *serviceAllocator) freeIP() (netip.Addr, bool) {
	usable := a.size - 2 // network and broadcast addresses
	for range usable {
		if a.nextIP <= 0 || a.nextIP >= a.size-1 {
			a.nextIP = 1
		}
		addr := a.addr(a.nextIP)
		a.nextIP++
		if !a.ips[addr] {
			return addr, true
		}
	}
	return netip.Addr{}, false
}

// freePort finds a free node port. a.mu must be held.
func (a *serviceAllocator) freePort() (int32, bool) {
	for range a.portMax - a.portBase + 1 {
		if a.nextPort < a.portBase || a.nextPort > a.portMax {
			a.nextPort = a.portBase
		}
		p := a.nextPort
		a.nextPort++
		if !a.ports[p] {
			return p, true
		}
	}
	return 0, false
}

// release gives back what an allocation took (a create that failed or was a dry run).
func (a *serviceAllocator) release(g *serviceAllocation) {
	if g == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.releaseLocked(g)
}

func (a *serviceAllocator) releaseLocked(g *serviceAllocation) {
	for _, ip := range g.ips {
		delete(a.ips, ip)
	}
	for _, p := range g.ports {
		delete(a.ports, p)
	}
	g.ips, g.ports = nil, nil
}

// releaseService gives back the cluster IPs and node ports of a deleted service.
func (a *serviceAllocator) releaseService(svc *types.Object) {
	var spec struct {
		ClusterIPs []string `json:"clusterIPs"`
		Ports      []struct {
			NodePort int32 `json:"nodePort"`
		} `json:"ports"`
	}
	raw, _ := svc.Lookup("spec")
	if json.Unmarshal(raw, &spec) != nil {
		return
	}
	var g serviceAllocation
	for _, ip := range spec.ClusterIPs {
		if addr, err := netip.ParseAddr(ip); err == nil {
			g.ips = append(g.ips, addr)
		}
	}
	for _, p := range spec.Ports {
		if p.NodePort != 0 && !g.hasPort(p.NodePort) {
			g.ports = append(g.ports, p.NodePort)
		}
	}
	a.release(&g)
}

// patchServiceAllocatedValues gives an updated service the values the server allocated that the client left out,
// as kube-apiserver's service registry does (patchAllocatedValues): the cluster IPs, the node ports of ports that
// match an old one by port and protocol, and the health check node port. A client that sends back a manifest
// without them (kubectl replace, kubectl apply) changes nothing it did not mean to.
func patchServiceAllocatedValues(svc, old *types.Object) *types.Object {
	raw, _ := svc.Lookup("spec")
	oldRaw, _ := old.Lookup("spec")
	spec, errA := jsontree.DecodeObject(raw)
	oldSpec, errB := jsontree.DecodeObject(oldRaw)
	if errA != nil || errB != nil || spec == nil {
		return svc
	}
	typ, _ := spec["type"].(string)
	oldType, _ := oldSpec["type"].(string)
	if typ == "ExternalName" || oldType == "ExternalName" {
		return svc
	}
	changed := false
	if ip, _ := spec["clusterIP"].(string); ip == "" && oldSpec["clusterIP"] != nil {
		spec["clusterIP"] = oldSpec["clusterIP"]
		changed = true
	}
	if ips, _ := spec["clusterIPs"].([]any); len(ips) == 0 && oldSpec["clusterIPs"] != nil && spec["clusterIP"] == oldSpec["clusterIP"] {
		spec["clusterIPs"] = oldSpec["clusterIPs"]
		changed = true
	}
	nodePorts := func(t string) bool { return t == "NodePort" || t == "LoadBalancer" }
	if nodePorts(typ) && nodePorts(oldType) {
		oldPorts, _ := oldSpec["ports"].([]any)
		ports, _ := spec["ports"].([]any)
		for _, p := range ports {
			port, _ := p.(map[string]any)
			if port == nil || (port["nodePort"] != nil && port["nodePort"] != int64(0)) {
				continue
			}
			for _, op := range oldPorts {
				oldPort, _ := op.(map[string]any)
				if oldPort != nil && oldPort["port"] == port["port"] && protocolOf(oldPort) == protocolOf(port) && oldPort["nodePort"] != nil {
					port["nodePort"] = oldPort["nodePort"]
					changed = true
					break
				}
			}
		}
	}
	if hc := spec["healthCheckNodePort"]; (hc == nil || hc == int64(0)) && oldSpec["healthCheckNodePort"] != nil &&
		spec["externalTrafficPolicy"] == "Local" && typ == "LoadBalancer" {
		spec["healthCheckNodePort"] = oldSpec["healthCheckNodePort"]
		changed = true
	}
	if !changed {
		return svc
	}
	out, err := jsontree.Append(nil, spec)
	if err != nil {
		return svc
	}
	return svc.WithMember("spec", out)
}

// protocolOf is a service port's protocol, TCP when unset.
func protocolOf(port map[string]any) string {
	if p, _ := port["protocol"].(string); p != "" {
		return p
	}
	return "TCP"
}
