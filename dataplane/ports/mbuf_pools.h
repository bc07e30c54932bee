#pragma once
// The packet buffers. One shared pool serves what the workers allocate
// themselves (flood copies, injected trace frames); every port gets a pool of
// its own for its receive queues, sized from its queues and descriptors
// when it is added. So the buffers grow with the ports (a tap fills a
// 1,024-descriptor ring per worker at setup: one shared pool sized for a
// handful of ports ran dry at about 16 taps with 2 workers), and a port
// whose traffic piles up somewhere (a slow destination, a full TX ring) runs
// out of its own buffers, not another port's.
//
// A removed port's pool is retired, not freed: its buffers may still sit in
// another port's TX queue or ring. It is freed once every buffer is back.
//
// Threads: control threads (under the Dataplane's control lock).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct rte_mempool;

namespace switchyard {

class MbufPools {
 public:
  // Throws if the shared pool cannot be made. `quiesce` returns once every
  // worker has passed a quiescent state (so none is still inside a call
  // that returned a buffer to a pool about to be freed).
  MbufPools(uint32_t shared_size, uint16_t workers, std::function<void()> quiesce);
  ~MbufPools();
  MbufPools(const MbufPools&) = delete;
  MbufPools& operator=(const MbufPools&) = delete;

  rte_mempool* shared() const { return shared_; }

  // Buffers a port's receive side needs: what its RX rings hold once filled
  // (`prefilled`: the PMD fills every descriptor at setup, as tap and NIC
  // drivers do), what the driver keeps for itself (`kept`: a replayed pcap
  // file), a few bursts per queue in flight, the workers' TX buffers and
  // mempool caches.
  uint32_t PortPoolSize(uint16_t rx_queues, uint16_t rx_desc, bool prefilled,
                        uint32_t kept = 0) const;
  // A new pool of `size` buffers for a port; null with `error` set if the
  // memory is not there.
  rte_mempool* Create(uint32_t size, std::string* error);
  // The port is gone: its pool is freed once all its buffers are back.
  void Retire(rte_mempool* pool);
  // Frees the retired pools whose buffers are all back.
  void Reap();

  struct Usage {
    uint32_t pools = 0;       // the shared one, the ports', the retired ones
    uint64_t size = 0;        // buffers in all of them
    uint64_t available = 0;   // not in use
  };
  Usage usage() const;

 private:
  uint16_t workers_;
  std::function<void()> quiesce_;
  rte_mempool* shared_ = nullptr;
  std::vector<rte_mempool*> live_;     // ports' pools
  std::vector<rte_mempool*> retired_;  // removed ports' pools, buffers outstanding
  uint32_t serial_ = 0;
};

}  // namespace switchyard
