// Fuzzes CompleteL4Checksum (ports/vhost_direct.cc), which parses frames a
// guest sent with a partial checksum: untrusted headers and lengths. The
// properties: nothing crashes or reads outside the frame; at most the two
// bytes of one checksum field change, and only when the mbuf is then flagged
// RX_L4_CKSUM_GOOD; and the result does not depend on how the frame is split
// into segments (the same bytes and flags as for one contiguous segment).
//
// Input layout: byte 0 picks the segment size (0: one segment, else
// 1..255 bytes each), the rest is the frame (at most 4000 bytes).
//
// Built like pipeline_fuzz: a libFuzzer target with -Dfuzzing=true, else a
// deterministic driver (main below) run as a test.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include <rte_mbuf.h>

#include "ports/vhost_direct.h"
#include "testing/fixtures.h"

namespace {

using namespace switchyard;

uint64_t completed = 0;  // inputs whose checksum was finished

rte_mempool* Pool() {
  static rte_mempool* pool = [] {
    testing::InitEal("cksum_fuzz", 128);
    return rte_pktmbuf_pool_create("cksum_fuzz_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  }();
  return pool;
}

// `frame` in segments of `seg` bytes (0: one), flagged as librte_vhost
// flags a partial checksum.
rte_mbuf* Build(const std::vector<uint8_t>& frame, uint32_t seg) {
  rte_mbuf* head = nullptr;
  uint32_t off = 0;
  const uint32_t len = static_cast<uint32_t>(frame.size());
  do {
    const uint32_t n = seg == 0 ? len : std::min(seg, len - off);
    rte_mbuf* m = rte_pktmbuf_alloc(Pool());
    if (m == nullptr) std::abort();
    if (n != 0) std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(n)), frame.data() + off, n);
    if (head == nullptr)
      head = m;
    else if (rte_pktmbuf_chain(head, m) != 0)
      std::abort();
    off += n;
  } while (off < len);
  head->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
  return head;
}

std::vector<uint8_t> Bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out(rte_pktmbuf_pkt_len(m));
  for (uint32_t off = 0; m != nullptr; m = m->next) {
    std::memcpy(out.data() + off, rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
    off += m->data_len;
  }
  return out;
}

void Run(const uint8_t* data, size_t size) {
  if (size < 1) return;
  const uint32_t seg = data[0];
  const std::vector<uint8_t> frame(data + 1, data + 1 + std::min<size_t>(size - 1, 4000));
  const unsigned avail_before = rte_mempool_avail_count(Pool());

  rte_mbuf* whole = Build(frame, 0);
  CompleteL4Checksum(whole);
  const std::vector<uint8_t> want = Bytes(whole);
  const uint64_t want_flags = whole->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

  // At most one 16-bit field changed, and only with the GOOD flag.
  size_t first = want.size(), last = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != frame[i]) {
      first = std::min(first, i);
      last = i;
    }
  }
  if (first < want.size() && (last - first > 1 || want_flags != RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
    std::fprintf(stderr, "changed bytes %zu..%zu, flags %#llx\n", first, last,
                 static_cast<unsigned long long>(want_flags));
    std::abort();
  }
  if (want_flags != RTE_MBUF_F_RX_L4_CKSUM_NONE && want_flags != RTE_MBUF_F_RX_L4_CKSUM_GOOD)
    std::abort();
  completed += want_flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD;

  if (seg != 0 && !frame.empty()) {
    rte_mbuf* split = Build(frame, seg);
    CompleteL4Checksum(split);
    if (Bytes(split) != want ||
        (split->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != want_flags) {
      std::fprintf(stderr, "segments of %u bytes give another result than one segment\n", seg);
      std::abort();
    }
    rte_pktmbuf_free(split);
  }
  rte_pktmbuf_free(whole);
  if (rte_mempool_avail_count(Pool()) != avail_before) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Run(data, size);
  return 0;
}

#ifndef SWITCHYARD_LIBFUZZER
// Deterministic driver: Ethernet (sometimes tagged) + IPv4/IPv6 + TCP/UDP
// frames with random contents whose lengths are right, off by a little or
// random, cut short at random, plus pure noise.
int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 50000;
  std::mt19937 rng(4242);
  std::vector<uint8_t> in;
  for (int it = 0; it < iterations; ++it) {
    const size_t payload = rng() % 1600;
    in.assign(1 + 14 + 4 + 40 + 20 + payload, 0);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    if (it % 8 != 0) {
      size_t off = 1 + 12;
      if (rng() % 3 == 0) {  // a VLAN tag
        in[off] = 0x81;
        in[off + 1] = 0x00;
        off += 4;
      }
      const bool v6 = rng() % 2;
      const bool udp = rng() % 2;
      const uint8_t proto = udp ? 17 : 6;
      in[off] = v6 ? 0x86 : 0x08;
      in[off + 1] = v6 ? 0xdd : 0x00;
      off += 2;
      const size_t l3 = off;
      const size_t l4_len = in.size() - l3 - (v6 ? 40 : 20);
      const int skew = static_cast<int>(rng() % 5) == 0 ? static_cast<int>(rng() % 64) - 32 : 0;
      if (v6) {
        in[l3] = 0x60;
        const uint16_t plen = static_cast<uint16_t>(l4_len + skew);
        in[l3 + 4] = static_cast<uint8_t>(plen >> 8);
        in[l3 + 5] = static_cast<uint8_t>(plen);
        in[l3 + 6] = proto;
      } else {
        in[l3] = 0x45;
        const uint16_t tot = static_cast<uint16_t>(20 + l4_len + skew);
        in[l3 + 2] = static_cast<uint8_t>(tot >> 8);
        in[l3 + 3] = static_cast<uint8_t>(tot);
        in[l3 + 6] = 0;  // not a fragment
        in[l3 + 7] = 0;
        in[l3 + 9] = proto;
      }
      if (!v6 || rng() % 2) {
        const size_t l4 = l3 + (v6 ? 40 : 20);
        if (!udp) in[l4 + 12] = 0x50;  // TCP data offset 5
      }
      if (rng() % 4 == 0) in.resize(1 + rng() % in.size());  // cut short
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%d inputs (%llu checksums finished), no crash, no leak, segment-independent\n",
              iterations, static_cast<unsigned long long>(completed));
  // A driver whose frames never reach the summing code tests nothing.
  if (completed < static_cast<uint64_t>(iterations) / 4) return 1;
  return 0;
}
#endif
