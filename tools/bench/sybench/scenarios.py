"""Benchmark scenarios as data. Adding one is a few lines here.

Vhost-user loop scenarios (LOOP): how to configure Switchyard's two
vhost-user ports A and B (yardctl roles), which generator profile (GEN) the
testpmd generator runs, and the target ratio to the bare forwarder. The
bare forwarder (dpdk-testpmd io forwarding between two net_vhost ports) is
run with the same generator profile, interleaved.

Open-loop scenarios (OPEN): a function of one parameter (the sweep
variable) returning the topology and the traffic:
  tenants  [(name, [yardctl tenant add args])]
  warm     port "out": its role, and frames it replays once (net_pcap) so the
           switch learns the destinations there; the measured traffic leaves
           through it (net_pcap without tx_pcap drops on TX, like net_null)
  sinks    extra net_null ports (no-rx=1) with their roles (flooding)
  stream   port "in": its role and the frames replayed forever from memory
           (net_pcap infinite_rx=1)
  learned  MAC entries to wait for before measuring
  expect   what the stream must turn into: unicast | flood | drop | encap
  limits   `yardctl limit set` argument lists, set once the ports exist
  rules    (loop) dict(tenant, count): that many flow rules (rule_file), applied
           once the ports exist
  vxlan    (VXLAN rows) the tenants' remote VTEPs [(tenant, address)],
           added before the ports, and the remote's next-hop MAC, set as
           a permanent neighbour on the VTEP interface of `port`

A scenario whose feature does not exist yet has `todo` instead: it is
listed in the tables as not measured, never faked.
"""

from .pcap import frame, vxlan


def rule_file(count):
    """`count` flow rules for `yardctl rule apply`: count - 1 drop rules for
    UDP from 10.(i/256).(i%256).0/24 to ports 10*(i%100)..+9 (none match the
    generator's frames, 198.18.0.1 -> 198.18.0.2 UDP 9 -> 9), and one allow
    for UDP to 198.18.0.0/15 at the top priority: every frame is classified
    against all of them and takes the last."""
    lines = ["rules:"]
    for i in range(count - 1):
        lines += [f"  - name: r{i}", f"    priority: {i}",
                  f"    match: ip_proto=udp,src_ip=10.{i // 256 % 256}.{i % 256}.0/24,"
                  f"dst_port={i % 100 * 10}-{i % 100 * 10 + 9}", "    action: drop"]
    lines += ["  - name: allow-gen", f"    priority: {count}",
              "    match: ip_proto=udp,dst_ip=198.18.0.0/15", "    action: allow"]
    return "\n".join(lines) + "\n"

# Generator port MACs (testpmd net_virtio_user0/1) in the vhost loop.
GEN_MAC0 = 0x02000000000A
GEN_MAC1 = 0x02000000000B

# The generator: testpmd with two virtio-user ports, each forwarding back
# out of the port it received on (--port-topology=loop) with the MACs
# swapped (macswap). A frame seeded on port 0 (src MAC0, dst MAC1) goes
# A -> switch -> B -> generator port 1 -> swapped (src MAC1, dst MAC0) ->
# B -> switch -> A -> port 0 -> swapped -> A ...: every frame crosses the
# switch in both directions, and a tag the switch pushed toward B comes back
# into B as it left (the generator never needs to add or strip tags).
# Profiles: testpmd commands before `start tx_first BURSTS`.
# BURSTS: 64 bursts of 32 per port fill the virtio rings, so the loop runs
# saturated (every poll of the switch finds a full burst) and the measure
# is the forwarder's cost, not the loop's latency. With the issue's
# `tx_first 16` (`--bursts 16`) the loop is not saturated on the 2-CPU
# development VM: busy cycles per packet then include partial bursts and
# vary from run to run by +-30 %.
# "vlan-b": the seeds port 1 sends are untagged and die on the trunk B
# (untagged_on_trunk, before the measured window); port 0's seeds alone
# still fill the rings.
# "vxlan-peer": tools/bench/vxlan_peer instead of testpmd, the same loop
# and, on a VXLAN frame, the remote VTEP's answer (outer MACs and addresses
# swapped, UDP 4789 kept, inner MACs swapped): the switch encapsulates A ->
# B and decapsulates B -> A. Port 0 seeds (port 1 faces the underlay); the
# bare forwarder is measured with this generator too.
GEN = {
    "plain": dict(cmds=[], bursts=64),
    "vlan-b": dict(cmds=[], bursts=64),
    "vxlan-peer": dict(cmds=[], bursts=64, peer=True),
}

LOOP = {
    "l2": dict(
        desc="L2 learning, known unicast (access A <-> access B, one tenant)",
        target=0.90, gen="plain",
        tenants=[("red", [])],
        port_a=["--tenant", "red"], port_b=["--tenant", "red"]),
    "vlan": dict(
        desc="VLAN access A (untagged) <-> trunk B (100=red): push toward B, pop from B",
        target=0.88, gen="vlan-b",
        tenants=[("red", [])],
        port_a=["--tenant", "red"], port_b=["--trunk", "100=red"]),
    "limits": dict(
        desc="L2 unicast with limits metering every frame: A's and B's in and out limits and "
             "red's aggregate, all far above the traffic (100 Gbit/s: every frame green)",
        target=0.85, gen="plain",
        tenants=[("red", [])],
        port_a=["--tenant", "red"], port_b=["--tenant", "red"],
        limits=[["--port", "A", "--bps", "100G"], ["--port", "A", "--direction", "out", "--bps", "100G"],
                ["--port", "B", "--bps", "100G"], ["--port", "B", "--direction", "out", "--bps", "100G"],
                ["--tenant", "red", "--bps", "100G"]]),
    "rules-10k": dict(
        desc="10,000 flow rules in red (rte_acl), every frame classified: L2 unicast allowed by "
             "the last of them",
        target=0.85, gen="plain",
        tenants=[("red", [])],
        port_a=["--tenant", "red"], port_b=["--tenant", "red"],
        rules=dict(tenant="red", count=10000)),
    "vxlan": dict(
        desc="VXLAN: access A -> encap -> VTEP uplink B -> (the peer answers as the remote "
             "VTEP) -> decap -> A",
        target=0.75, gen="vxlan-peer",
        tenants=[("red", ["--vni", "5001"])],
        port_a=["--tenant", "red"], port_b=["--uplink", "--vtep-ip", "192.0.2.1/24"],
        vxlan=dict(remotes=[("red", "192.0.2.2")], port="B", next_hop=GEN_MAC1)),
}

# --- open loop ----------------------------------------------------------------

SRC = 0x02AA00000000   # stream sources: SRC + i
DST = 0x02BB00000000   # destinations (learned on "out"): DST + i


def _spread_frames(n, count, mk):
    from .pcap import spread
    return [mk(i) for i in spread(n, count)]


def l2_macs(n):
    """One source talking to n destinations, every one looked up in turn
    (random order, each once per pass): the MAC table holds n + 1 entries."""
    count = max(n, 4096)
    return dict(
        tenants=[("red", ["--mac-limit", max(n + 16, 65536)])],
        warm=dict(role=["--tenant", "red"],
                  frames=[frame(SRC, DST + i) for i in range(n)]),
        stream=dict(role=["--tenant", "red"],
                    frames=_spread_frames(n, count, lambda i: frame(DST + i, SRC))),
        learned=n, expect="unicast")


def l2_unicast(_=None):
    return l2_macs(1)


def meter(_=None):
    """l2-unicast with every frame metered three times (the ingress port's
    limit, the tenant's aggregate, the output port's limit), all far above
    the traffic: every frame green, none dropped."""
    d = l2_unicast()
    d["limits"] = [["--port", "in", "--bps", "100G"], ["--tenant", "red", "--bps", "100G"],
                   ["--port", "out", "--direction", "out", "--bps", "100G"]]
    return d


TENANT_SWEEP_FLOWS = 4096


def tenants(t, flows=TENANT_SWEEP_FLOWS):
    """The same 4096 flows (a source and a destination MAC each) spread over
    t tenants: flow k is in tenant 1 + k % t, on VLAN 1 + k % t of one trunk
    "in" and one trunk "out". Only the number of tenants changes between
    points: the MAC table always holds 2 x 4096 entries and consecutive
    packets always belong to different flows."""
    trunk = ["--trunk", ",".join(f"{v}=t{v}" for v in range(1, t + 1))]
    vlan = [1 + k % t for k in range(flows)]
    return dict(
        tenants=[(f"t{v}", []) for v in range(1, t + 1)],
        warm=dict(role=trunk, frames=[frame(SRC + k, DST + k, vlan=vlan[k]) for k in range(flows)]),
        stream=dict(role=trunk, frames=[frame(DST + k, SRC + k, vlan=vlan[k]) for k in range(flows)]),
        learned=flows, expect="unicast")


def vlan_push(_=None):
    return dict(
        tenants=[("red", [])],
        warm=dict(role=["--trunk", "100=red"], frames=[frame(SRC, DST, vlan=100)]),
        stream=dict(role=["--tenant", "red"], frames=[frame(DST, SRC)] * 64),
        learned=1, expect="unicast")


def vlan_pop(_=None):
    return dict(
        tenants=[("red", [])],
        warm=dict(role=["--tenant", "red"], frames=[frame(SRC, DST)]),
        stream=dict(role=["--trunk", "100=red"], frames=[frame(DST, SRC, vlan=100)] * 64),
        learned=1, expect="unicast")


def flood(ports=3):
    """Broadcast to the tenant's other ports: `out` plus ports-1 sinks."""
    return dict(
        tenants=[("red", [])],
        warm=dict(role=["--tenant", "red"], frames=[frame(SRC, DST)]),
        sinks=[["--tenant", "red"]] * (ports - 1),
        stream=dict(role=["--tenant", "red"], frames=[frame(0xFFFFFFFFFFFF, SRC)] * 64),
        learned=1, expect="flood")


def drop_vlan(_=None):
    """Tagged with a VLAN the trunk does not carry: dropped at classify."""
    return dict(
        tenants=[("red", [])],
        warm=dict(role=["--tenant", "red"], frames=[frame(SRC, DST)]),
        stream=dict(role=["--trunk", "100=red"], frames=[frame(DST, SRC, vlan=200)] * 64),
        learned=1, expect="drop")


def drop_same_port(_=None):
    """Destination learned on the ingress port: dropped after lookup."""
    return dict(
        tenants=[("red", [])],
        warm=dict(role=["--tenant", "red"], frames=[frame(SRC, DST)]),
        stream=dict(role=["--tenant", "red"],
                    frames=[frame(SRC + 1, SRC), frame(SRC, SRC + 1)] * 32),
        learned=1, expect="drop")


# The VXLAN rows: local VTEP on the uplink, one remote VTEP; the remote VM's
# MAC is DST (learned behind it from a decapsulated warm frame).
VTEP_LOCAL = "192.0.2.1/24"
VTEP_REMOTE = "192.0.2.2"
REMOTE_NEXT_HOP = 0x02CC00000002
UPLINK = ["--uplink", "--vtep-ip", VTEP_LOCAL]


def _from_remote(inner):
    return vxlan(inner, 5001, VTEP_REMOTE, VTEP_LOCAL.split("/")[0], 0x02DD00000001,
                 REMOTE_NEXT_HOP)


def vxlan_encap(_=None):
    """Access port -> a MAC behind the remote VTEP: every packet is
    encapsulated (template copy, lengths, checksum, flow-hash source port)."""
    return dict(
        tenants=[("red", ["--vni", "5001"])],
        vxlan=dict(remotes=[("red", VTEP_REMOTE)], port="out", next_hop=REMOTE_NEXT_HOP),
        warm=dict(role=UPLINK, frames=[_from_remote(frame(SRC, DST))]),
        stream=dict(role=["--tenant", "red"], frames=[frame(DST, SRC)] * 64),
        learned=1, expect="encap")


def vxlan_decap(_=None):
    """VXLAN from the remote VTEP on the uplink -> a local access port:
    every packet's outer headers are checked and removed."""
    return dict(
        tenants=[("red", ["--vni", "5001"])],
        vxlan=dict(remotes=[("red", VTEP_REMOTE)], port="in"),
        warm=dict(role=["--tenant", "red"], frames=[frame(SRC, DST)]),
        stream=dict(role=UPLINK, frames=[_from_remote(frame(DST, SRC))] * 64),
        learned=1, expect="unicast")


def two_workers(n=1000):
    """Two stream ports (one per worker: each port's RX queue goes to the
    least-loaded worker), each a different source to n shared destinations:
    both workers learn and look up in the one MAC table and transmit on the
    same output port."""
    setup = l2_macs(n)
    setup["streams"] = [
        dict(role=["--tenant", "red"],
             frames=_spread_frames(n, max(n, 4096), lambda i, w=w: frame(DST + i, SRC + 1 + w)))
        for w in range(2)]
    del setup["stream"]
    return setup


OPEN = {
    "l2-unicast": dict(desc="known unicast, one flow, access -> access", fn=l2_unicast),
    "l2-1k-macs": dict(desc="known unicast to 1,000 destinations", fn=lambda _: l2_macs(1000)),
    "vlan-push": dict(desc="access (untagged) -> trunk: push VLAN 100", fn=vlan_push),
    "vlan-pop": dict(desc="trunk (VLAN 100) -> access: pop", fn=vlan_pop),
    "flood-3": dict(desc="broadcast flooded to 3 ports (2 copies + original)",
                    fn=lambda _: flood(3)),
    "drop-vlan": dict(desc="drop: VLAN not allowed on the trunk", fn=drop_vlan),
    "drop-same-port": dict(desc="drop: destination on the ingress port", fn=drop_same_port),
    "vxlan-encap": dict(desc="VXLAN: access -> remote VTEP, every packet encapsulated",
                        fn=vxlan_encap),
    "vxlan-decap": dict(desc="VXLAN: remote VTEP -> access, every packet decapsulated",
                        fn=vxlan_decap),
    "meter": dict(desc="l2-unicast metered by port in, tenant and port out limits (all green)",
                  fn=meter),
    "rules-10k": dict(desc="10,000 flow rules", todo="not measured in the open loop yet: the vhost-loop row rules-10k and stage_bench BM_Rules measure flow rules"),
}

# Sweeps: one open-loop scenario function over a list of points.
SWEEPS = {
    "macs": dict(desc="MAC table: one source to N destinations spread over all N entries",
                 fn=l2_macs, points=[1000, 10000, 100000, 1000000], xlabel="MAC entries",
                 growth=(1000, 1000000), growth_max=1.5),
    "tenants": dict(desc="tenants: 4096 flows spread over N tenants (VLANs of one trunk)",
                    fn=tenants, points=[1, 16, 256, 1024, 4094], xlabel="tenants",
                    growth=(1, 4094), growth_max=None),
    "rules": dict(desc="flow rules 0 -> 100,000", todo="not measured yet: stage_bench BM_Rules sweeps 0..10,000 rules per tenant",
                  points=[0, 100, 10000, 100000], xlabel="rules"),
}
