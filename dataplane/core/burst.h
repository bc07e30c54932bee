#pragma once
// The unit every stage works on: one RX burst from one port, grouped in
// runs, each run carrying the decision the stages took for its packets.
// Worker lcores only.
//
// A run is a stretch of consecutive packets whose first 18 bytes (MACs,
// type, tag and the type behind it) and VLAN-strip state are equal, so they
// parse and classify alike and share one lookup and one decision: a burst
// of one flow is one run. A stage that looks at no more than that shared
// header (StageScope::kRunHeader) decides once per run; a stage that reads
// further into a packet (L3/L4 rules, VXLAN decapsulation) is
// StageScope::kPacket, and the pipeline splits the runs of the tenants that
// use it into single packets before it runs (Burst::SplitRuns).

#include <cstdint>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "core/drop_reasons.h"
#include "core/eth_parse.h"
#include "core/limits.h"

namespace switchyard {

struct TraceLog;

// What a stage may look at, and so whether run batching holds for it.
enum class StageScope : uint8_t {
  kRunHeader,  // the run's shared 18-byte header (and the port): per run
  kPacket,     // bytes beyond it: per packet, after SplitRuns
};

enum class Verdict : uint8_t {
  kUndecided = 0,  // no stage has decided yet
  kDrop,           // freed and counted under `drop`
  kUnicast,        // to `out_port`, tagged `out_vlan` (0 = untagged)
  kFlood,          // to every other port of the tenant, each with its tag, and
                   // (unless it came from one) every remote VTEP of the tenant
  kRemote,         // encapsulated toward remote VTEP `remote` (features/vxlan)
};

// The decision for a run. Room is kept for what the next features decide
// (a remote VTEP for VXLAN, a mirror port, a meter colour): each is a field
// here that a stage sets and the egress step acts on.
// Trivial (no initializers), so a Burst on the stack costs no stores: the
// parse stage sets each run's verdict as it makes the run.
struct RunAction {
  Verdict verdict;
  DropReason drop;
  uint16_t out_port;
  uint16_t out_vlan;
  uint16_t remote;  // kRemote: the remote VTEP's slot
  // Set by the flow-rule stage, read only where Burst::rule_edits is set:
  // a copy of the run's frames to this port before any edit (kNoMirror:
  // none), and the tag they leave with on any port (kKeepVlan: the
  // port's own; 0: untagged).
  uint16_t mirror;
  uint16_t set_vlan;
};

struct Burst {
  uint16_t in_port = 0;
  uint16_t count = 0;  // packets
  uint16_t runs = 0;
  rte_mbuf* pkts[kBurstSize];
  // Run r is pkts[run_start[r] .. run_start[r + 1]).
  uint16_t run_start[kBurstSize + 1];
  // Per run: what the parser found (core) and classification decided
  // (features/vlan).
  MacKey src[kBurstSize];
  MacKey dst[kBurstSize];
  uint16_t vid[kBurstSize];      // 0 = untagged
  bool tagged[kBurstSize];       // a tag is in the frames' bytes
  uint16_t ethertype[kBurstSize];
  uint16_t tenant[kBurstSize];   // set by classification (kNoTenant if it dropped the
                                 // run); kNoTenant for runs the parser dropped
  uint32_t bytes[kBurstSize];    // the run's packets' lengths, summed
  RunAction action[kBurstSize];
  // Set by the VXLAN stage on bursts from the underlay: from_remote[r] is
  // the slot of the remote VTEP run r was decapsulated from (its tenant is
  // then set, from the VNI), or kNoRemote. Read only where decapped is set.
  bool decapped = false;
  uint16_t from_remote[kBurstSize];
  // Set by the flow-rule stage when some run has a mirror or a tag to set
  // (RunAction::mirror, set_vlan: valid for every run then).
  bool rule_edits = false;
  // The burst's TSC, read the first time a stage asks (Tsc()): every meter
  // of the burst sees one time, and a burst no stage times pays nothing.
  uint64_t tsc = 0;
  uint64_t Tsc() {
    if (tsc == 0) tsc = rte_rdtsc();
    return tsc;
  }
  // Set only in traced bursts (ProcessBurst<true>): every stage appends its
  // verdict for every packet, and runs are single packets.
  TraceLog* trace = nullptr;

  uint16_t RunLength(uint16_t r) const {
    return static_cast<uint16_t>(run_start[r + 1] - run_start[r]);
  }
  bool Decided(uint16_t r) const { return action[r].verdict != Verdict::kUndecided; }
  void Drop(uint16_t r, DropReason why) {
    action[r].verdict = Verdict::kDrop;
    action[r].drop = why;
  }
  void Unicast(uint16_t r, uint16_t port, uint16_t vlan) {
    action[r].verdict = Verdict::kUnicast;
    action[r].out_port = port;
    action[r].out_vlan = vlan;
  }
  void Flood(uint16_t r) { action[r].verdict = Verdict::kFlood; }
  void Remote(uint16_t r, uint16_t slot) {
    action[r].verdict = Verdict::kRemote;
    action[r].remote = slot;
  }
  // The remote VTEP run r came from, or kNoRemote (0xffff).
  uint16_t FromRemote(uint16_t r) const { return decapped ? from_remote[r] : 0xffff; }

  // Appends run r of `from` (its packets, fields and decision) as this
  // burst's next run.
  void AppendRun(const Burst& from, uint16_t r) {
    const uint16_t nr = runs++;
    run_start[nr] = count;
    for (uint16_t p = from.run_start[r]; p < from.run_start[r + 1]; ++p) pkts[count++] = from.pkts[p];
    run_start[nr + 1] = count;
    src[nr] = from.src[r];
    dst[nr] = from.dst[r];
    vid[nr] = from.vid[r];
    tagged[nr] = from.tagged[r];
    ethertype[nr] = from.ethertype[r];
    tenant[nr] = from.tenant[r];
    bytes[nr] = from.bytes[r];
    action[nr] = from.action[r];
    from_remote[nr] = from.FromRemote(r);
  }

  // Make every packet a run of its own, keeping each one's run fields and
  // decision; what a kPacket stage needs. Runs are in packet order, so a
  // packet's new run index is its index in pkts.
  void SplitRuns() {
    if (runs == count) return;
    for (int r = runs - 1; r >= 0; --r) {
      const uint16_t begin = run_start[r], end = run_start[r + 1];
      const MacKey s = src[r], d = dst[r];
      const uint16_t v = vid[r], et = ethertype[r], t = tenant[r], fr = FromRemote(r);
      const bool tg = tagged[r];
      const RunAction a = action[r];
      for (int p = end - 1; p >= begin; --p) {
        src[p] = s; dst[p] = d; vid[p] = v; ethertype[p] = et; tenant[p] = t;
        tagged[p] = tg; action[p] = a;
        if (decapped) from_remote[p] = fr;
        bytes[p] = rte_pktmbuf_pkt_len(pkts[p]);
      }
    }
    for (uint16_t p = 0; p <= count; ++p) run_start[p] = p;
    runs = count;
  }
};

}  // namespace switchyard
