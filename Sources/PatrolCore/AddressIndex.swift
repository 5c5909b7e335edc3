/// Address and network rules indexed for lookup: one hash table per prefix length in use, probed
/// from the longest prefix down. A lookup costs one masked probe per distinct length (a handful in
/// practice) however many networks the campaign lists, and the first hit is the most specific block.
/// IPv4 tables are keyed by the bare 32-bit number, which hashes faster than the enum.
struct AddressIndex: Sendable {
    private let v4: [(prefix: Int, rules: [UInt32: [Int]])]
    private let v6: [(prefix: Int, rules: [IPAddress: [Int]])]

    /// `entries` pairs each block with the index of its rule; rules under the same block keep this order.
    init(_ entries: [(network: IPNetwork, rule: Int)]) {
        var v4: [Int: [UInt32: [Int]]] = [:], v6: [Int: [IPAddress: [Int]]] = [:]
        for (network, rule) in entries {
            if case .v4(let base) = network.address {
                v4[network.prefix, default: [:]][base, default: []].append(rule)
            } else {
                v6[network.prefix, default: [:]][network.address, default: []].append(rule)
            }
        }
        self.v4 = v4.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
        self.v6 = v6.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
    }

    /// The first rule, most specific block first, whose block holds `address` and that `accept` takes.
    func first(containing address: IPAddress, where accept: (Int) -> Bool) -> Int? {
        let address = address.unmapped
        if case .v4(let a) = address {
            for table in v4 {
                guard let rules = table.rules[a & (UInt32.max << (32 - table.prefix))] else { continue }
                if let rule = rules.first(where: accept) { return rule }
            }
        } else {
            for table in v6 {
                guard let rules = table.rules[address.masked(to: table.prefix)] else { continue }
                if let rule = rules.first(where: accept) { return rule }
            }
        }
        return nil
    }
}
