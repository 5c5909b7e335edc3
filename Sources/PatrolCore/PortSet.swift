import Foundation

/// A set of TCP ports, as an asset's port list names them (`80,443,8000-8100`).
public struct PortSet: Hashable, Sendable, CustomStringConvertible {
    /// Sorted, with overlapping and adjacent ranges merged, so equal sets are equal values and a
    /// lookup is a binary search.
    private let ranges: [ClosedRange<Int>]

    /// Parses the grammar of `AssetTarget.validPorts`: comma-separated ports or `low-high` ranges
    /// within 1…65535, blanks around an item allowed. Nil for text that grammar refuses and for text
    /// that names no port at all (`""`, `","`): a blank list means "every port" to the scope
    /// compiler, which is a different thing from an empty set.
    public init?(_ text: String) {
        var ranges: [ClosedRange<Int>] = []
        for item in text.split(separator: ",") {
            let bounds = item.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count) else { return nil }
            let numbers = bounds.compactMap { Int($0) }
            guard numbers.count == bounds.count, numbers.allSatisfy({ (1...65535).contains($0) }),
                  numbers[0] <= numbers[numbers.count - 1] else { return nil }
            ranges.append(numbers[0]...numbers[numbers.count - 1])
        }
        guard !ranges.isEmpty else { return nil }
        self.init(merging: ranges)
    }

    /// The given ports; numbers outside 1…65535 are not ports and are left out.
    public init(_ ports: [Int]) {
        self.init(merging: ports.filter { (1...65535).contains($0) }.map { $0...$0 })
    }

    private init(merging unsorted: [ClosedRange<Int>]) {
        var merged: [ClosedRange<Int>] = []
        for r in unsorted.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, r.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        ranges = merged
    }

    public func contains(_ port: Int) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < port { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].lowerBound <= port
    }

    public func union(_ other: PortSet) -> PortSet {
        PortSet(merging: ranges + other.ranges)
    }

    /// The canonical list: ascending, merged, single ports without a range (`80,443,8000-8100`).
    public var description: String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }
}
