#!/usr/bin/env python3
"""An independent reference for FulcrumBalancing's hash tables, written from the same definitions (not from the
Swift code), with the reference xxHash C implementation (PyPI `xxhash`). The golden values in
Tests/FulcrumBalancingTests (Maglev tables, table fingerprints, client -> backend) come from here, which is what makes
them evidence that two implementations, processes and machines agree, and not a copy of the Swift output.

    pip install xxhash && python3 Benchmarks/Tools/balancing_reference.py
"""
import ipaddress
import struct

import xxhash

MASK = (1 << 64) - 1


def h64(data: bytes, seed: int = 0) -> int:
    return xxhash.xxh64_intdigest(data, seed=seed)


def canonical(members):
    """members: list of (id, key, weight); canonical order = by key bytes, then weight, then id."""
    return sorted(members, key=lambda m: (m[1].encode(), m[2], m[0]))


def permutation(key: str, size: int):
    return h64(key.encode(), 0) % size, h64(key.encode(), 1) % (size - 1) + 1


def maglev(keys, weights, size, permutations=None):
    """Katran MaglevHashV2, literally: rounds over the members, a turn when the running weight crosses the maximum."""
    perms = permutations or [permutation(k, size) for k in keys]
    n = len(perms)
    if n == 0:
        return []
    table = [-1] * size
    position = [offset % size for offset, _ in perms]
    running = [0] * n
    heaviest = max(weights)
    filled = 0
    while True:
        for i in range(n):
            running[i] += weights[i]
            if running[i] < heaviest:
                continue
            running[i] -= heaviest
            slot = position[i]
            while table[slot] >= 0:
                slot = (slot + perms[i][1]) % size
            table[slot] = i
            position[i] = (slot + perms[i][1]) % size
            filled += 1
            if filled == size:
                return table


def fingerprint(algorithm: str, hash_key: str, size: int, keys, weights, table=None) -> str:
    order = range(len(keys))  # keys and weights come in canonical order
    data = bytearray()
    for text in ("fulcrum-table-v1", algorithm, hash_key):
        data += text.encode() + b"\0"
    data += struct.pack("<QQ", size, len(keys))
    for member in order:
        data += keys[member].encode() + b"\0" + struct.pack("<I", weights[member])
    if table is not None:
        slots = b"".join(struct.pack("<I", entry) for entry in table)
        data += struct.pack("<Q", h64(slots))
    return "%016x" % h64(bytes(data))


def client_hash(address: str, port: int, hash_key: str) -> int:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    data = ip.packed
    if hash_key == "source_ip_port":
        data += struct.pack(">H", port)
    return h64(data, 0)


def source_hash_owner(weights, hash_value: int) -> int:
    offset = (hash_value * sum(weights)) >> 64
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if offset < running:
            return index
    raise AssertionError


def main():
    print("paper example (size 7):", maglev(None, [1, 1, 1], 7, [(3, 4), (0, 2), (3, 1)]))
    keys = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]
    print("size 13 permutations:", [permutation(k, 13) for k in keys])
    print("size 13 equal:", maglev(keys, [1, 1, 1], 13))
    print("size 13 weights 1,2,3:", maglev(keys, [1, 2, 3], 13))
    golden = canonical([(3, "10.0.0.3:80", 3), (1, "10.0.0.1:80", 1), (2, "10.0.0.2:80", 2), (4, "[::1]:9002", 2)])
    gkeys = [m[1] for m in golden]
    gweights = [m[2] for m in golden]
    table = maglev(gkeys, gweights, 65537)
    print("canonical:", gkeys)
    print("fingerprint maglev/source_ip/65537:", fingerprint("maglev", "source_ip", 65537, gkeys, gweights, table))
    print("fingerprint maglev/source_ip_port/65537:",
          fingerprint("maglev", "source_ip_port", 65537, gkeys, gweights, table))
    table13 = maglev(gkeys, gweights, 13)
    print("fingerprint maglev/source_ip/13:", fingerprint("maglev", "source_ip", 13, gkeys, gweights, table13))
    print("fingerprint source_hash/source_ip:", fingerprint("source_hash", "source_ip", 0, gkeys, gweights))
    for address, port in [("192.0.2.1", 1000), ("192.0.2.2", 1000), ("::ffff:192.0.2.1", 2000),
                          ("2001:db8::7", 443), ("198.51.100.200", 65535)]:
        ip_hash = client_hash(address, port, "source_ip")
        port_hash = client_hash(address, port, "source_ip_port")
        print(f"client {address} port {port}: source_ip hash {ip_hash:016x} maglev -> {gkeys[table[ip_hash % 65537]]}"
              f", source_hash -> {gkeys[source_hash_owner(gweights, ip_hash)]};"
              f" source_ip_port hash {port_hash:016x} maglev -> {gkeys[table[port_hash % 65537]]}")


if __name__ == "__main__":
    main()
