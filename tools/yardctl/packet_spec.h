// `yardctl trace --packet SPEC`: a frame from a short description. Pure.
//
//   SPEC   = LAYER { "/" LAYER }  |  hex bytes ("0200000000020200...", ':' and
//            spaces allowed)
//   LAYER  = NAME [ "(" ARG { "," ARG } ")" ],  ARG = KEY "=" VALUE | VALUE
//
//   eth(src=MAC,dst=MAC[,type=0xNNNN])   defaults src 02:00:00:00:00:01,
//                                        dst ff:ff:ff:ff:ff:ff
//   vlan(ID[,pcp=N])  qinq(ID[,pcp=N])   802.1Q / 802.1ad tag
//   ipv4(src=IP,dst=IP[,ttl=N,proto=N])  ipv6(src=IP,dst=IP[,hlim=N,nh=N])
//   udp(sport=N,dport=N)  tcp(sport=N,dport=N[,flags=SAFRPU])
//   icmp[(type=N,code=N)]  (echo request; ICMPv6 after ipv6)
//   arp(sip=IP,tip=IP)    (a request from eth's src)
//   payload(N)  raw(HEX)  N zero bytes / the given bytes
//
// Types, lengths and checksums are filled in; the frame is padded to 60
// bytes (the minimum without the FCS).
#pragma once

#include <string>
#include <string_view>

#include "parse.h"

namespace yardctl {

Parsed<std::string> BuildPacket(std::string_view spec, std::string_view option);

}  // namespace yardctl
