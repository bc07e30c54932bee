#pragma once
// What a net_pcap port that replays its file from memory (infinite_rx=1)
// keeps of its port's buffers: at RX queue setup the driver reads every
// frame of the rx_pcap file into buffers of the port's pool and holds them
// for the port's life (it sends copies). The pool must hold those besides
// what receiving takes, or the queue setup fails.
//
// Threads: control threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// The buffers the driver keeps for `devargs` (a pcap port's arguments): 0
// unless infinite_rx is on; else one per `data_room` bytes of each frame of
// each rx_pcap file. nullopt with `error` naming the file if one cannot be
// read.
std::optional<uint32_t> PcapReplayBuffers(std::string_view devargs, uint32_t data_room,
                                          std::string* error);

}  // namespace switchyard
