/// An address block in CIDR notation, as a scope rule or a special range.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block: host bits are always cleared.
    public let address: IPAddress
    public let prefix: Int

    /// The block of `address` with `prefix` leading bits (0…32 for IPv4, 0…128 for IPv6); nil for a
    /// prefix out of range. Bits after the prefix are masked off. A block inside ::ffff:0:0/96 is
    /// kept as the IPv4 block it maps (`::ffff:10.0.0.0/104` is `10.0.0.0/8`), because addresses
    /// are compared unmapped.
    public init?(address: IPAddress, prefix: Int) {
        guard (0...address.bitWidth).contains(prefix) else { return nil }
        let mapped = address.unmapped != address && prefix >= 96
        let base = mapped ? address.unmapped : address
        self.prefix = mapped ? prefix - 96 : prefix
        self.address = base.masked(to: self.prefix)
    }

    /// `10.0.0.0/8`, `2001:db8::/32`: an address as `IPAddress` reads it, a slash and a decimal
    /// prefix. Host bits may be set (`10.1.2.3/8` is `10.0.0.0/8`).
    public init?(_ text: String) {
        guard let slash = text.utf8.lastIndex(of: UInt8(ascii: "/")),
              let address = IPAddress(String(text[..<slash])) else { return nil }
        let digits = text.utf8[text.utf8.index(after: slash)...]
        guard (1...3).contains(digits.count),
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let prefix = Int(Substring(digits)) else { return nil }
        self.init(address: address, prefix: prefix)
    }

    public var description: String { "\(address)/\(prefix)" }

    /// Whether the block holds `a`. Addresses are compared unmapped, so an IPv4 block holds the
    /// IPv4-mapped IPv6 form of its addresses too, and an IPv6 block holds none of them.
    public func contains(_ a: IPAddress) -> Bool {
        let a = a.unmapped
        guard a.isV4 == address.isV4 else { return false }
        return a.masked(to: prefix) == address
    }
}
