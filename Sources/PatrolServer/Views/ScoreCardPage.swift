import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// One unit's score card (`score-card` template): each part against its maximum, and every
/// deduction with the rule that made it and, where the reader may open it, a link to its finding.
struct ScoreCardPage: Encodable {
    struct Part: Encodable { var label, value, max: String; var deduction: Bool }
    struct Line: Encodable {
        var finding: String
        var href: String?
        var title: String
        var partName: String
        var rule: String
        var points: String
        var elapsed: String
        var pending: Bool
        var adds: Bool
    }
    var unit, name, groupName: String
    var total: String
    var rank: Int
    var rankOf: Int
    var groupRank: Int
    var groupOf: Int
    var assets: Int
    var points: Int
    var parts: [Part]
    var formula: String
    var lines: [Line]
    var scoredAt: String
    var published: Bool
    var provisional: Bool
    var backHref: String?
}

extension ScoreCardPage {
    /// The card of `row`, one unit's line of `doc`.
    init(_ req: Request, campaign: Campaign, row: ScoreSheetDocument.Row, doc: ScoreSheetDocument, published: Bool) async throws {
        let actor = try req.requireActor()
        let policy = campaign.scoringPolicy
        let codes = Set(row.deductions.map(\.finding))
        let findings = codes.isEmpty ? [] : try await Finding.query(on: req.db)
            .filter(\.$campaign.$id == campaign.requireID()).filter(\.$code ~~ Array(codes)).all()
        let byCode = Dictionary(findings.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let lines = row.deductions.map { d -> Line in
            let f = byCode[d.finding]
            var href: String?
            if let f, AccessPolicy.decide(actor, .viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)) == .allow {
                href = campaign.url(.finding(.value(d.finding), .page)).path
            }
            let adds = d.part == ScorePart.vulnerability.rawValue
            return .init(finding: d.finding, href: href, title: f?.title ?? "", partName: req.t("score.part.\(d.part)"),
                         rule: Self.ruleText(req, d, policy), points: (adds ? "+" : "−") + d.points.description,
                         elapsed: d.elapsedSeconds.map { req.durationText($0) } ?? "",
                         pending: d.rule == "remediation.pending", adds: adds)
        }
        let groupOf = doc.units.filter { $0.group == row.group }.count
        let parts: [Part] = [
            .init(label: req.t("score.part.asset"), value: row.asset.description, max: String(policy.assetMax), deduction: false),
            .init(label: req.t("score.part.vulnerability"), value: row.vulnerability.description, max: String(policy.vulnerabilityMax), deduction: false),
            .init(label: req.t("score.part.protection"), value: row.protection.description, max: String(policy.protectionMax), deduction: false),
            .init(label: req.t("score.part.data"), value: row.data.description, max: String(policy.dataMax), deduction: false),
            .init(label: req.t("score.part.remediation"), value: "−" + row.remediation.description, max: "", deduction: true),
        ]
        self.init(
            unit: row.unit, name: row.name, groupName: req.t("unit.group.\(row.group)"), total: row.total.description,
            rank: row.rank, rankOf: doc.units.count, groupRank: row.groupRank, groupOf: groupOf, assets: row.assets,
            points: row.points, parts: parts, formula: row.formula, lines: lines,
            scoredAt: ScoreRankingPage.scoredAtText(req, campaign, doc, published: published), published: published,
            provisional: !published,
            backHref: AccessPolicy.visibleUnit(for: actor) == nil ? campaign.url(.scores).path : nil)
    }

    /// The rule behind a deduction in the reader's language, with the policy's numbers in it.
    static func ruleText(_ req: Request, _ line: ScoreSheetDocument.Line, _ policy: ScoringPolicy) -> String {
        let rule = line.rule
        var text: String
        if rule.hasPrefix("vulnerability.") {
            text = req.t("score.rule.vulnerability", ["severity": req.t("finding.severity.\(rule.dropFirst(14))")])
        } else if rule.hasPrefix("remediation.within"), let hours = Int(rule.dropFirst(18).dropLast()) {
            text = req.t("score.rule.within", ["hours": String(hours)])
        } else {
            let hours = rule == "remediation.late" ? policy.remediationBrackets.last?.withinHours ?? 0 : policy.unfixedAfterHours
            text = req.t("score.rule.\(rule.replacingOccurrences(of: ".", with: "_"))",
                         ["hours": String(hours), "threshold": String(policy.sensitiveRecordsThreshold)])
        }
        if line.awaitingRetest == true { text += req.t("score.rule.awaitingRetest") }
        return text
    }
}
