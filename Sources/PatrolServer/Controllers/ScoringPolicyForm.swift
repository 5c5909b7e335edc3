import PatrolCore
import Vapor

/// What the scoring policy form posts, read into a `ScoringPolicy`. Every field that is not a whole
/// number is named (by its label), so the admin is told all of them at once.
struct ScoringPolicyForm {
    /// How many remediation bracket rows the form may carry.
    static let bracketRows = 10

    var fields: [String: String]

    /// The policy typed, and the labels of the fields that could not be read.
    func read(_ req: Request) -> (policy: ScoringPolicy, unreadable: [String]) {
        var p = ScoringPolicy()
        var unreadable: [String] = []
        func int(_ name: String) -> Int {
            let text = (fields[name] ?? "").trimmingCharacters(in: .whitespaces)
            guard let v = Int(text) else { unreadable.append(req.t("policy.\(name)")); return -1 }
            return v
        }
        p.assetMax = int("assetMax"); p.assetPerDiscrepancy = int("assetPerDiscrepancy")
        p.vulnerabilityMax = int("vulnerabilityMax"); p.protectionMax = int("protectionMax")
        p.protectionPerItem = int("protectionPerItem"); p.dataMax = int("dataMax"); p.dataPerItem = int("dataPerItem")
        p.sensitiveRecordsThreshold = int("sensitiveRecordsThreshold")
        p.remediationLatePoints = int("remediationLatePoints"); p.unfixedAfterHours = int("unfixedAfterHours")
        p.unfixedPoints = int("unfixedPoints")
        var severity: [String: Int] = [:]
        for s in Severity.allCases {
            let text = (fields["severity_\(s.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
            if let v = Int(text) { severity[s.rawValue] = v } else { unreadable.append(req.t("finding.severity.\(s.rawValue)")) }
        }
        p.severityPoints = severity
        var brackets: [ScoringPolicy.Bracket] = []
        for i in 0..<Self.bracketRows {
            let h = (fields["bracket\(i)_hours"] ?? "").trimmingCharacters(in: .whitespaces)
            let pts = (fields["bracket\(i)_points"] ?? "").trimmingCharacters(in: .whitespaces)
            if h.isEmpty && pts.isEmpty { continue }
            guard let hv = Int(h), let pv = Int(pts) else { unreadable.append(req.t("policy.bracket", ["n": String(i + 1)])); continue }
            brackets.append(.init(withinHours: hv, points: pv))
        }
        p.remediationBrackets = brackets
        return (p, unreadable)
    }
}
