package engine

import (
	"encoding/json"

	"libengine.local/engine/internal/capi"
)

// NetworkOptions describe a network for Context.CreateNetwork. The zero
// value is a network with a free subnet from default-address-pools.
type NetworkOptions struct {
	Subnet   string // "10.1.0.0/24"
	Gateway  string // the bridge's address; "": the subnet's first
	Internal bool   // no route out of the network (--internal)
	Labels   map[string]string
}

// ConnectOptions are the endpoint's settings for Context.Connect.
type ConnectOptions struct {
	Aliases []string // more names on that network
	IP      string   // a fixed IPv4 address; "": the next free one
}

// PortBinding is where a container port is published on the host.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// CreateNetwork creates a bridge network and returns its ID. Containers
// join it with RunOptions.Network and reach each other there by name and
// alias.
func (c *Context) CreateNetwork(name string, o *NetworkOptions) (string, error) {
	var id string
	if o == nil {
		o = &NetworkOptions{}
	}
	err := c.with("CreateNetwork", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_network_create_options()
		defer capi.DeleteEngine_network_create_options(opts)
		return call("CreateNetwork", func() int {
			if rc := capi.Engine_network_create_options_init(opts, uint(capi.ENGINE_NETWORK_CREATE_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			opts.SetName(name)
			opts.SetSubnet(o.Subnet)
			opts.SetGateway(o.Gateway)
			opts.SetInternal(boolInt(o.Internal))
			opts.Set_labels(kvList(o.Labels))
			return capi.Engine_network_create(h, opts, &id)
		})
	})
	return id, err
}

// RemoveNetwork removes a network (ErrBusy while containers use it).
func (c *Context) RemoveNetwork(nameOrID string) error {
	return c.with("RemoveNetwork", func(h capi.Struct_SS_engine_context) error {
		return call("RemoveNetwork", func() int { return capi.Engine_network_remove(h, nameOrID) })
	})
}

// InspectNetwork returns Docker-like inspect JSON of one network.
func (c *Context) InspectNetwork(nameOrID string) (json.RawMessage, error) {
	var s string
	err := c.with("InspectNetwork", func(h capi.Struct_SS_engine_context) error {
		return call("InspectNetwork", func() int { return capi.Engine_network_inspect(h, nameOrID, &s) })
	})
	return json.RawMessage(s), err
}

// ListNetworks returns a JSON array of every network ("bridge", "host" and "none" included).
func (c *Context) ListNetworks() (json.RawMessage, error) {
	var s string
	err := c.with("ListNetworks", func(h capi.Struct_SS_engine_context) error {
		return call("ListNetworks", func() int { return capi.Engine_network_list(h, &s) })
	})
	return json.RawMessage(s), err
}

// PruneNetworks removes every user-defined network no container uses and returns their names.
func (c *Context) PruneNetworks() ([]string, error) {
	var names []string
	err := c.with("PruneNetworks", func(h capi.Struct_SS_engine_context) error {
		return call("PruneNetworks", func() int { return capi.Engine_network_prune(h, &names) })
	})
	return names, err
}

// Connect connects a container (ID or name) to a user-defined network: at
// once when it runs, and at every later start.
func (c *Context) Connect(network, container string, o *ConnectOptions) error {
	if o == nil {
		o = &ConnectOptions{}
	}
	return c.with("Connect", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_network_connect_options()
		defer capi.DeleteEngine_network_connect_options(opts)
		return call("Connect", func() int {
			if rc := capi.Engine_network_connect_options_init(opts, uint(capi.ENGINE_NETWORK_CONNECT_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			opts.Set_aliases(o.Aliases)
			opts.SetIp(o.IP)
			return capi.Engine_network_connect(h, network, container, opts)
		})
	})
}

// Disconnect undoes Connect.
func (c *Context) Disconnect(network, container string) error {
	return c.with("Disconnect", func(h capi.Struct_SS_engine_context) error {
		return call("Disconnect", func() int { return capi.Engine_network_disconnect(h, network, container) })
	})
}

// Ports returns the published ports of a running container, keyed like
// Docker's NetworkSettings.Ports ("80/tcp").
func (ct *Container) Ports() (map[string][]PortBinding, error) {
	var s string
	err := ct.with("Ports", func(h capi.Struct_SS_engine_container) error {
		return call("Ports", func() int { return capi.Engine_container_ports(h, &s) })
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]PortBinding{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, errorf("Ports", CodeIO, "bad ports JSON: %v", err)
	}
	return out, nil
}

// Port returns where container port ("80", "80/tcp", "53/udp") is
// published, as "HOST_IP:HOST_PORT" items (ErrNotFound when it is not).
func (ct *Container) Port(port string) ([]string, error) {
	var out []string
	err := ct.with("Port", func(h capi.Struct_SS_engine_container) error {
		return call("Port", func() int { return capi.Engine_container_port(h, port, &out) })
	})
	return out, err
}

// network applies RunOptions' networking beyond the mode.
func (b *specBuilder) network(op string, s capi.Struct_SS_engine_spec, o *RunOptions) {
	add := func(items []string, f func(capi.Struct_SS_engine_spec, string) int) {
		for _, it := range items {
			it := it
			b.do(op, func() int { return f(s, it) })
		}
	}
	add(o.NetworkAliases, capi.Engine_spec_add_network_alias)
	if o.IP != "" {
		b.do(op, func() int { return capi.Engine_spec_set_ip(s, o.IP) })
	}
	add(o.Ports, capi.Engine_spec_add_port)
	if o.PublishAll {
		b.do(op, func() int { return capi.Engine_spec_set_publish_all(s, 1) })
	}
	add(o.Expose, capi.Engine_spec_add_expose)
	add(o.ExtraHosts, capi.Engine_spec_add_host)
	add(o.DNS, capi.Engine_spec_add_dns)
	add(o.DNSSearch, capi.Engine_spec_add_dns_search)
	add(o.DNSOptions, capi.Engine_spec_add_dns_option)
}
