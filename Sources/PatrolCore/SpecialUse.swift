/// Why an address is not an ordinary public host. The gateway refuses these unless an asset names
/// them (SPEC §6): a tester's proxy must not become a way into the gateway's own machine, its
/// network or its cloud's metadata service.
public enum SpecialUse: String, Sendable {
    /// 0.0.0.0/8 ("this network"; Linux connects 0.0.0.0 to the local host) and `::`.
    case unspecified
    /// 127.0.0.0/8 and `::1`.
    case loopback
    /// RFC 1918 (10/8, 172.16/12, 192.168/16), IPv6 unique local fc00::/7 and the deprecated
    /// site-local fec0::/10, which some routers still honour.
    case privateNetwork
    /// 169.254.0.0/16 and fe80::/10.
    case linkLocal
    /// The instance metadata services that hand out cloud credentials: 169.254.169.254 (AWS, Azure,
    /// Google, Huawei, Oracle), 169.254.0.23 (Tencent Cloud), 100.100.100.200 (Alibaba Cloud) and
    /// fd00:ec2::254 (AWS over IPv6).
    case cloudMetadata
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598): inside a provider, never a public host.
    case sharedAddressSpace
    /// 224.0.0.0/4 and ff00::/8.
    case multicast
    /// 255.255.255.255.
    case broadcast
    /// Not globally routable by IANA's special-purpose registry: 192.0.0.0/24, 198.18.0.0/15
    /// (benchmarking, and the fake-IP range of common proxy tools), 240.0.0.0/4, and the deprecated
    /// IPv4-compatible IPv6 block ::/96.
    case reserved

    /// The table, most specific entries first since the first match wins. IPv4-mapped addresses
    /// (::ffff:0:0/96) and NAT64 addresses (64:ff9b::/96) reach an IPv4 host, so they are judged by
    /// that host before this table is read. The documentation ranges (192.0.2/24, 198.51.100/24,
    /// 203.0.113/24, 2001:db8::/32) are left out on purpose: they reach nothing, so refusing them
    /// protects nothing, and test fixtures use them as stand-ins for public hosts.
    static let table: [(network: IPNetwork, use: SpecialUse)] = [
        (IPNetwork("169.254.169.254/32")!, .cloudMetadata),
        (IPNetwork("169.254.0.23/32")!, .cloudMetadata),
        (IPNetwork("100.100.100.200/32")!, .cloudMetadata),
        (IPNetwork("255.255.255.255/32")!, .broadcast),
        (IPNetwork("0.0.0.0/8")!, .unspecified),
        (IPNetwork("127.0.0.0/8")!, .loopback),
        (IPNetwork("10.0.0.0/8")!, .privateNetwork),
        (IPNetwork("172.16.0.0/12")!, .privateNetwork),
        (IPNetwork("192.168.0.0/16")!, .privateNetwork),
        (IPNetwork("100.64.0.0/10")!, .sharedAddressSpace),
        (IPNetwork("169.254.0.0/16")!, .linkLocal),
        (IPNetwork("192.0.0.0/24")!, .reserved),
        (IPNetwork("198.18.0.0/15")!, .reserved),
        (IPNetwork("224.0.0.0/4")!, .multicast),
        (IPNetwork("240.0.0.0/4")!, .reserved),
        (IPNetwork("::/128")!, .unspecified),
        (IPNetwork("::1/128")!, .loopback),
        (IPNetwork("::/96")!, .reserved),
        (IPNetwork("fd00:ec2::254/128")!, .cloudMetadata),
        (IPNetwork("fc00::/7")!, .privateNetwork),
        (IPNetwork("fe80::/10")!, .linkLocal),
        (IPNetwork("fec0::/10")!, .privateNetwork),
        (IPNetwork("ff00::/8")!, .multicast),
    ]

    static func of(_ address: IPAddress) -> SpecialUse? {
        var address = address.unmapped
        if case .v6(0x0064_ff9b_0000_0000, let lo) = address, lo >> 32 == 0 {
            address = .v4(UInt32(truncatingIfNeeded: lo))
        }
        return table.first { $0.network.contains(address) }?.use
    }
}
