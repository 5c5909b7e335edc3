/// An IPv4 or IPv6 address as a plain value, so scope rules and the gateway compare addresses
/// without going through sockets or strings.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// The high and the low 64 bits, in network order: the first group is the top of the first word.
    case v6(UInt64, UInt64)

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6; nil for any other count.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            self = .v6(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
                       bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        default:
            return nil
        }
    }

    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a):
            return (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    /// `::ffff:a.b.c.d` as the IPv4 address it stands for; every other address unchanged.
    /// A resolver may hand back either form of the same host, so rules compare unmapped addresses.
    public var unmapped: IPAddress {
        if case .v6(0, let lo) = self, lo >> 32 == 0xffff { return .v4(UInt32(truncatingIfNeeded: lo)) }
        return self
    }

    /// The special range this address falls in (see `SpecialUse`); nil for an ordinary public address.
    public var specialUse: SpecialUse? { SpecialUse.of(self) }

    var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// 32 for IPv4, 128 for IPv6: the longest prefix a network of this family can have.
    var bitWidth: Int { isV4 ? 32 : 128 }

    /// The address with every bit after the first `prefix` cleared; `prefix` must fit the family.
    /// Swift's shifts yield zero when they shift by the full width, which gives /0 its empty mask.
    func masked(to prefix: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            return .v4(a & (UInt32.max << (32 - prefix)))
        case .v6(let hi, let lo):
            let hiMask = prefix >= 64 ? UInt64.max : UInt64.max << (64 - prefix)
            let loMask = prefix <= 64 ? 0 : UInt64.max << (128 - prefix)
            return .v6(hi & hiMask, lo & loMask)
        }
    }
}
