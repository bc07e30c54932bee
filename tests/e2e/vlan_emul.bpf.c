// VLAN sub-interface emulation for kernels built without 802.1Q support
// (CONFIG_VLAN_8021Q unset: `ip link add ... type vlan` says "Unknown device
// type"). lib.sh's mk_vlan_if uses it only then.
//
// A veth pair stands in for PARENT.VID: the test puts its address on one end
// (the "VLAN interface") and these two tc programs tie the other end (PEER)
// to PARENT:
//   vpop  on PARENT ingress: a frame tagged VID loses its tag and is
//         redirected out of PEER, so it arrives on the VLAN interface;
//         anything else continues to the next filter (TC_ACT_UNSPEC).
//   vpush on PEER ingress: whatever the VLAN interface sends gets tag VID and
//         leaves through PARENT.
// The kernel's receive path has already moved the 802.1Q header into
// skb->vlan_tci when tc ingress runs, and puts a pushed tag back into the
// frame on transmit to a tap, so the wire carries real 802.1Q headers.
//
// Compiled by lib.sh per VLAN: clang -target bpf -DVID= -DPEER_IFINDEX=
// -DPARENT_IFINDEX=.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(x) __attribute__((section(x), used))

static long (*bpf_skb_vlan_push)(struct __sk_buff *skb, __u16 proto, __u16 tci) =
    (void *)BPF_FUNC_skb_vlan_push;
static long (*bpf_skb_vlan_pop)(struct __sk_buff *skb) = (void *)BPF_FUNC_skb_vlan_pop;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;

SEC("vpop") int vlan_pop(struct __sk_buff *skb) {
  if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != VID) return TC_ACT_UNSPEC;
  if (bpf_skb_vlan_pop(skb)) return TC_ACT_SHOT;
  return bpf_redirect(PEER_IFINDEX, 0);
}

SEC("vpush") int vlan_push(struct __sk_buff *skb) {
  if (bpf_skb_vlan_push(skb, __builtin_bswap16(0x8100), VID)) return TC_ACT_SHOT;
  return bpf_redirect(PARENT_IFINDEX, 0);
}

char _license[] SEC("license") = "GPL";
