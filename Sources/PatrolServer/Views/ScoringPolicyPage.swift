import PatrolCore
import PatrolStore
import Vapor

/// The scoring policy form (`scoring-policy` template): editable by the admin until the scores are
/// published, read-only for everyone else.
struct ScoringPolicyPage: Encodable {
    struct Field: Encodable { var name, label, value: String }
    struct BracketRow: Encodable { var index: Int; var hours, points: String }
    var fields: [Field]
    var severities: [Field]
    var brackets: [BracketRow]
    var late: Field
    var unfixedHours: Field
    var unfixedPoints: Field
    var editable: Bool
    var action, scoresHref: String
    var lockedNote: String?
    var error: String?
    var total: String
}

extension ScoringPolicyPage {
    /// The form for `p`; after a refusal (`typed`), exactly what the admin typed, so nothing is lost.
    init(_ req: Request, campaign: Campaign, policy p: ScoringPolicy, error: String? = nil, typed: [String: String]? = nil) throws {
        let actor = try req.requireActor()
        let isAdmin = AccessPolicy.decide(actor, .manageCampaigns) == .allow
        func value(_ name: String, _ stored: Int) -> String { typed.map { $0[name] ?? "" } ?? String(stored) }
        func field(_ name: String, _ stored: Int) -> Field {
            .init(name: name, label: req.t("policy.\(name)"), value: value(name, stored))
        }
        var brackets: [BracketRow]
        if let typed {
            brackets = (0..<ScoringPolicyForm.bracketRows).compactMap { i in
                let h = typed["bracket\(i)_hours"] ?? "", pts = typed["bracket\(i)_points"] ?? ""
                return h.isEmpty && pts.isEmpty ? nil : BracketRow(index: 0, hours: h, points: pts)
            }
        } else {
            brackets = p.remediationBrackets.map { BracketRow(index: 0, hours: String($0.withinHours), points: String($0.points)) }
        }
        if isAdmin && campaign.state != .published { brackets.append(.init(index: 0, hours: "", points: "")) }
        for i in brackets.indices { brackets[i].index = i }
        let maxima = [("assetMax", p.assetMax), ("vulnerabilityMax", p.vulnerabilityMax), ("protectionMax", p.protectionMax),
                      ("dataMax", p.dataMax)].map { Int(value($0.0, $0.1)) }
        self.init(
            fields: [field("assetMax", p.assetMax), field("assetPerDiscrepancy", p.assetPerDiscrepancy),
                     field("vulnerabilityMax", p.vulnerabilityMax), field("protectionMax", p.protectionMax),
                     field("protectionPerItem", p.protectionPerItem), field("dataMax", p.dataMax),
                     field("dataPerItem", p.dataPerItem), field("sensitiveRecordsThreshold", p.sensitiveRecordsThreshold)],
            severities: Severity.allCases.map {
                .init(name: "severity_\($0.rawValue)", label: req.t("finding.severity.\($0.rawValue)"),
                      value: value("severity_\($0.rawValue)", p.points(for: $0)))
            },
            brackets: brackets, late: field("remediationLatePoints", p.remediationLatePoints),
            unfixedHours: field("unfixedAfterHours", p.unfixedAfterHours), unfixedPoints: field("unfixedPoints", p.unfixedPoints),
            editable: isAdmin && campaign.state != .published,
            action: campaign.url(.scoringPolicy).path, scoresHref: campaign.url(.scores).path,
            lockedNote: isAdmin && campaign.state == .published ? req.t("policy.locked") : nil,
            error: error, total: maxima.contains(nil) ? "—" : String(maxima.compactMap { $0 }.reduce(0, +)))
    }
}
