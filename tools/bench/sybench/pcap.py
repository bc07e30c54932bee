"""Crafted frames and pcap files for the open-loop benchmarks (stdlib only).

A frame is described by (dst, src, vlan): MACs as 48-bit integers, vlan
None for untagged. Every frame is padded to `size` bytes before the tag is
counted (64 bytes untagged, 68 tagged), an IPv4/UDP-looking payload so a
later parser stage sees plausible L3.
"""

import os
import random
import struct

PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1


def mac_bytes(mac):
    return mac.to_bytes(6, "big")


def mac_str(mac):
    return ":".join(f"{b:02x}" for b in mac_bytes(mac))


def _l3(length):
    """IPv4 (10.0.0.1 -> 10.0.0.2) + UDP headers and zero payload, `length`
    bytes in all; checksums left at zero (nothing in the switch reads them)."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", 1234, 5678, length - 20, 0)
    return ip + udp + b"\x00" * (length - 28)


_L3_CACHE = {}


def frame(dst, src, vlan=None, size=64):
    """One Ethernet frame: `size` bytes untagged, `size` + 4 with a tag."""
    head = mac_bytes(dst) + mac_bytes(src)
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan & 0x0FFF)
    head += b"\x08\x00"
    body = _L3_CACHE.get(size)
    if body is None:
        body = _L3_CACHE[size] = _l3(size - 14)
    return head + body


def _csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def vxlan(inner, vni, src_ip, dst_ip, dst_mac, src_mac, sport=49152):
    """`inner` in VXLAN over IPv4/UDP 4789 from src_ip to dst_ip (dotted
    strings), outer IPv4 checksum correct."""
    ip_b = lambda s: bytes(int(x) for x in s.split("."))
    payload = struct.pack("!BBHI", 0x08, 0, 0, vni << 8) + inner
    udp = struct.pack("!HHHH", sport, 4789, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                      ip_b(src_ip), ip_b(dst_ip))
    hdr = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + hdr + udp


def write_pcap(path, frames):
    """Write frames (an iterable of bytes) to a classic libpcap file."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        rec = struct.Struct("<IIII")
        n = 0
        for fr in frames:
            f.write(rec.pack(0, n % 1000000, len(fr), len(fr)))
            f.write(fr)
            n += 1
    os.replace(tmp, path)
    return n


def read_pcap_count(path):
    """Number of records in a pcap file (for checks)."""
    n = 0
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n
            incl = struct.unpack("<IIII", h)[2]
            f.seek(incl, 1)
            n += 1


def spread(n, count, seed=1):
    """`count` indices in [0, n): every index once per pass, each pass in a
    different random order, so lookups hit all n entries evenly and no
    prefetcher can guess the next one."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        perm = list(range(n))
        rng.shuffle(perm)
        out.extend(perm[: count - len(out)])
    return out
