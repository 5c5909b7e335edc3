/// `BundleValidator`'s checks made one finding at a time, for a bundle read as a stream: the head
/// (campaign, units, assets, teams, notices) first, then each finding as it arrives, then what
/// needs them all — a duplicate's original and a notice's findings — in `finish`, before anything
/// is committed. It keeps only each finding's code and unit, not the finding.
public struct BundleChecker: Sendable {
    /// The checked bundle without its findings.
    public private(set) var head: CheckedBundle
    private let units: Set<String>
    private let assetUnit: [String: String]
    private let teams: Set<String>
    private var findingUnit: [String: String] = [:]
    private var originals: [(finding: String, original: String)] = []

    /// Checks everything in `bundle` but its findings (which may be empty here and come later).
    public init(head bundle: CampaignBundle) throws(BundleError) {
        let (head, units, assetUnit, teams) = try BundleValidator.checkHead(bundle)
        self.head = head
        self.units = units
        self.assetUnit = assetUnit
        self.teams = teams
    }

    public var findingsSeen: Int { findingUnit.count }

    public mutating func check(_ f: CampaignBundle.Finding) throws(BundleError) -> CheckedBundle.Finding {
        let rec = "finding \(f.code)"
        try BundleValidator.nonEmpty(f.code, "code", rec)
        guard findingUnit[f.code] == nil else { throw BundleError(record: rec, problem: .duplicateCode(f.code)) }
        let checked = try BundleValidator.checkFinding(f, units: units, assetUnit: assetUnit, teams: teams)
        findingUnit[f.code] = f.unit
        if checked.status == .duplicate, let original = checked.duplicateOf { originals.append((f.code, original)) }
        return checked
    }

    /// The checks that need every finding: each duplicate's original exists; each notice's findings
    /// exist, belong to its unit and are in no other notice.
    public func finish() throws(BundleError) {
        for (finding, original) in originals where findingUnit[original] == nil {
            throw BundleError(record: "finding \(finding)", problem: .unknownReference(field: "duplicateOf", value: original))
        }
        var noticed = Set<String>()
        for n in head.notices {
            let rec = "notice \(n.code)"
            for code in n.findings {
                guard let unit = findingUnit[code] else { throw BundleError(record: rec, problem: .unknownReference(field: "finding", value: code)) }
                guard unit == n.unit else {
                    throw BundleError(record: rec, problem: .inconsistent("finding \"\(code)\" belongs to unit \"\(unit)\", not \"\(n.unit)\""))
                }
                guard noticed.insert(code).inserted else {
                    throw BundleError(record: rec, problem: .inconsistent("finding \"\(code)\" is already in another notice"))
                }
            }
        }
    }
}
