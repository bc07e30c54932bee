#include "ports/pcap_replay.h"

#include <pcap/pcap.h>

#include "switchyard/device_identity.h"

namespace switchyard {

std::optional<uint32_t> PcapReplayBuffers(std::string_view devargs, uint32_t data_room,
                                          std::string* error) {
  bool replays = false;
  for (std::string_view v : DevargsValues(devargs, "infinite_rx")) replays = v != "0";
  if (!replays || data_room == 0) return 0;
  uint64_t buffers = 0;
  for (std::string_view file : DevargsValues(devargs, "rx_pcap")) {
    const std::string path(file);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pcap = pcap_open_offline(path.c_str(), errbuf);
    if (pcap == nullptr) {
      *error = "port.devargs: rx_pcap " + path + ": " + errbuf;
      return std::nullopt;
    }
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    while (pcap_next_ex(pcap, &hdr, &data) == 1)
      buffers += hdr->caplen == 0 ? 1 : (hdr->caplen + data_room - 1) / data_room;
    pcap_close(pcap);
    if (buffers > UINT32_MAX) {
      *error = "port.devargs: rx_pcap " + path + " holds more frames than a port can replay";
      return std::nullopt;
    }
  }
  return static_cast<uint32_t>(buffers);
}

}  // namespace switchyard
