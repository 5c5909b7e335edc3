import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Scores (SPEC §5): the ranking, each unit's explained score card, publication and the policy.
/// Admins, reviewers and observers see everything; a liaison sees only their own card, and only
/// once the admin has published the scores.
struct ScoreController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .scores), access: .signedIn, use: ranking)
        routes.endpoint(.GET, .campaign(.key, .scoresCSV), access: .signedIn, use: csv)
        routes.endpoint(.GET, .campaign(.key, .unitScore(.key)), access: .signedIn, use: card)
        routes.endpoint(.POST, .campaign(.key, .publishScores), access: .policy(.publishScores), use: publishWeb)
        routes.endpoint(.GET, .campaign(.key, .scoringPolicy), access: .signedIn, use: policyPage)
        routes.endpoint(.POST, .campaign(.key, .scoringPolicy), access: .policy(.manageCampaigns), use: policySave)

        routes.endpoint(.GET, .api(.campaign(.key, .scores)), access: .signedIn, use: apiScores)
        routes.endpoint(.GET, .api(.campaign(.key, .unitScore(.key))), access: .signedIn, use: apiUnitScore)
        routes.endpoint(.POST, .api(.campaign(.key, .publishScores)), access: .policy(.publishScores), use: apiPublish)
        routes.endpoint(.GET, .api(.campaign(.key, .scoringPolicy)), access: .signedIn, use: apiPolicy)
        routes.endpoint(.PUT, .api(.campaign(.key, .scoringPolicy)), access: .policy(.manageCampaigns), use: apiPolicyUpdate)
    }

    // MARK: - Reading, through the policy

    /// The sheet the actor may see: the whole sheet, or a liaison's own row once published.
    func visibleSheet(_ req: Request, _ campaign: Campaign) async throws -> (doc: ScoreSheetDocument, published: Bool) {
        let published = campaign.state == .published
        try req.authorize(.viewScores(published: published))
        var (doc, frozen) = try await Self.current(req, campaign)
        if case .some(let only) = AccessPolicy.visibleUnit(for: try req.requireActor()) {
            var code: String?
            if let only { code = try await PatrolStore.Unit.find(only, on: req.db)?.code }
            doc.units = doc.units.filter { $0.unit == code }
        }
        return (doc, frozen)
    }

    static func current(_ req: Request, _ campaign: Campaign) async throws -> (ScoreSheetDocument, Bool) {
        do {
            return try await ScorePublication.current(for: campaign, on: req.db)
        } catch let error as ScoringError {
            throw PatrolError.conflict("error.score.cannotScore", ["detail": error.description])
        }
    }

    /// One unit's row, after the policy allowed the actor to see that unit's card.
    func visibleRow(_ req: Request, _ campaign: Campaign) async throws -> (row: ScoreSheetDocument.Row, doc: ScoreSheetDocument, published: Bool, unit: PatrolStore.Unit) {
        guard let code = req.parameters.get("unit"),
              let unit = try await PatrolStore.Unit.query(on: req.db).filter(\.$code == code).first() else {
            throw PatrolError.notFound
        }
        try req.authorize(.viewUnitScore(unitID: try unit.requireID(), published: campaign.state == .published))
        let (doc, published) = try await Self.current(req, campaign)
        guard let row = doc.units.first(where: { $0.unit == code }) else { throw PatrolError.notFound }
        return (row, doc, published, unit)
    }

    // MARK: - API

    struct SheetResponse: Content {
        var campaign: String
        var scoredAt: String
        var published: Bool
        var publishedAt: Date?
        var units: [ScoreSheetDocument.Row]
    }

    struct UnitResponse: Content {
        var campaign: String
        var scoredAt: String
        var published: Bool
        var publishedAt: Date?
        var score: ScoreSheetDocument.Row
    }

    func apiScores(req: Request) async throws -> SheetResponse {
        let campaign = try await req.campaign()
        let (doc, published) = try await visibleSheet(req, campaign)
        return SheetResponse(campaign: doc.campaign, scoredAt: doc.scoredAt, published: published,
                             publishedAt: campaign.publishedAt, units: doc.units)
    }

    func apiUnitScore(req: Request) async throws -> UnitResponse {
        let campaign = try await req.campaign()
        let (row, doc, published, _) = try await visibleRow(req, campaign)
        return UnitResponse(campaign: doc.campaign, scoredAt: doc.scoredAt, published: published,
                            publishedAt: campaign.publishedAt, score: row)
    }

    func publish(_ req: Request) async throws -> (Campaign, ScoreSheetDocument) {
        let campaign = try await req.campaign()
        do {
            let doc = try await ScorePublication.publish(campaign, context: req.auditContext, on: req.db)
            return (campaign, doc)
        } catch ScorePublication.Failure.notClosed(let state) {
            throw PatrolError.conflict("error.score.publishState", ["state": req.t("campaign.state.\(state.rawValue)")])
        } catch ScorePublication.Failure.scoring(let error) {
            throw PatrolError.conflict("error.score.cannotScore", ["detail": error.description])
        }
    }

    func apiPublish(req: Request) async throws -> SheetResponse {
        let (campaign, doc) = try await publish(req)
        return SheetResponse(campaign: doc.campaign, scoredAt: doc.scoredAt, published: true,
                             publishedAt: campaign.publishedAt, units: doc.units)
    }

    func apiPolicy(req: Request) async throws -> ScoringPolicy {
        try await req.campaign().scoringPolicy
    }

    func apiPolicyUpdate(req: Request) async throws -> ScoringPolicy {
        let campaign = try await req.campaign()
        let policy: ScoringPolicy
        do {
            policy = try JSONDecoder().decode(ScoringPolicy.self, from: Data(buffer: req.body.data ?? ByteBuffer()))
        } catch {
            throw PatrolError.invalid("error.score.policyJSON")
        }
        try await savePolicy(req, campaign, policy)
        return policy
    }

    func savePolicy(_ req: Request, _ campaign: Campaign, _ policy: ScoringPolicy) async throws {
        guard campaign.state != .published else { throw PatrolError.conflict("error.score.policyPublished") }
        let problems = policy.problems()
        guard problems.isEmpty else {
            let chinese = req.language == .zh
            throw PatrolError.invalid("error.score.policyInvalid",
                                      ["problems": problems.map { $0.message(chinese: chinese) }.joined(separator: "；")])
        }
        let before = campaign.scoringPolicyJSON
        campaign.scoringPolicy = policy
        guard campaign.scoringPolicyJSON != before else { return }
        try await req.db.transaction { db in
            try await campaign.save(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "scoring.policy", objectType: "campaign",
                                      objectID: campaign.code, details: ["from": before, "to": campaign.scoringPolicyJSON])
        }
    }

    // MARK: - Web

    struct RankingView: Encodable {
        struct Tab: Encodable { var href, label: String; var active: Bool }
        struct Row: Encodable {
            var rank, unit, name, href, groupName: String
            var assets, points, pending: Int
            var asset, vulnerability, protection, data, remediation, total: String
        }
        var tabs: [Tab]
        var csvHref, policyHref, publishAction: String
        var rows: [Row]
        var scoredAt: String
        var published: Bool
        var publishedAt: String
        var canPublish: Bool
        var provisionalNote: String
        var pending: Int
        var groupLabel: String?
    }

    func ranking(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let (doc, published) = try await visibleSheet(req, campaign)
        let actor = try req.requireActor()
        if case .some = AccessPolicy.visibleUnit(for: actor) {
            guard let own = doc.units.first else { throw PatrolError.notFound }
            return req.seeOther(campaign.url(.unitScore(.value(own.unit))).path)
        }
        struct Filter: Decodable { var group: String? }
        let group = try req.query.decode(Filter.self).group.flatMap(UnitGroup.init(rawValue:))
        let base = campaign.url(.scores)
        var tabs = [RankingView.Tab(href: base.path, label: req.t("score.tab.overall"), active: group == nil)]
        tabs += UnitGroup.allCases.map { g in
            .init(href: base.path(query: [("group", g.rawValue)]), label: req.t("unit.group.\(g.rawValue)"), active: g == group)
        }
        let rows = doc.units.filter { group == nil || $0.group == group!.rawValue }.map { r in
            RankingView.Row(rank: String(group == nil ? r.rank : r.groupRank), unit: r.unit, name: r.name,
                            href: campaign.url(.unitScore(.value(r.unit))).path,
                            groupName: req.t("unit.group.\(r.group)"), assets: r.assets, points: r.points, pending: r.pending,
                            asset: r.asset.description, vulnerability: r.vulnerability.description,
                            protection: r.protection.description, data: r.data.description,
                            remediation: r.remediation.description, total: r.total.description)
        }
        let note: String
        switch campaign.state {
        case .published: note = ""
        case .closed: note = req.t("score.provisional.closed")
        default: note = req.t("score.provisional.running")
        }
        let content = RankingView(
            tabs: tabs, csvHref: campaign.url(.scoresCSV).path, policyHref: campaign.url(.scoringPolicy).path,
            publishAction: campaign.url(.publishScores).path, rows: rows, scoredAt: campaign.scoredAt == nil && !published ? req.t("score.scoredAt.now") : req.timeText(BundleDate.parse(doc.scoredAt), in: campaign),
            published: published, publishedAt: req.timeText(campaign.publishedAt, in: campaign),
            canPublish: campaign.state == .closed && AccessPolicy.decide(actor, .publishScores) == .allow,
            provisionalNote: note, pending: rows.reduce(0) { $0 + $1.pending },
            groupLabel: group.map { req.t("unit.group.\($0.rawValue)") })
        return try await req.page("scores", title: req.t("score.title"), campaign: campaign, content: content).encodeResponse(for: req)
    }

    func csv(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        try req.authorize(.viewScores(published: campaign.state == .published))
        // The export is the whole ranking: nothing for a reader limited to one unit.
        if case .some = AccessPolicy.visibleUnit(for: try req.requireActor()) { throw PatrolError.notFound }
        // A published sheet is exported as published, never recomputed.
        let (doc, _) = try await Self.current(req, campaign)
        let data = try ScoreSheetExport.csv(doc, chinese: req.language == .zh)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(campaign.code)-scores.csv\"")
        return res
    }

    struct CardView: Encodable {
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

    func card(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let (row, doc, published, unit) = try await visibleRow(req, campaign)
        let actor = try req.requireActor()
        let policy = campaign.scoringPolicy
        let codes = Set(row.deductions.map(\.finding))
        let findings = codes.isEmpty ? [] : try await Finding.query(on: req.db)
            .filter(\.$campaign.$id == campaign.requireID()).filter(\.$code ~~ Array(codes)).all()
        let byCode = Dictionary(findings.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let lines = row.deductions.map { d -> CardView.Line in
            let f = byCode[d.finding]
            var href: String?
            if let f, AccessPolicy.decide(actor, .viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)) == .allow {
                href = campaign.url(.finding(.value(d.finding), .page)).path
            }
            let adds = d.part == ScorePart.vulnerability.rawValue
            return .init(finding: d.finding, href: href, title: f?.title ?? "", partName: req.t("score.part.\(d.part)"),
                         rule: Self.ruleText(req, d, policy), points: (adds ? "+" : "−") + d.points.description,
                         elapsed: d.elapsedSeconds.map { Self.durationText(req, $0) } ?? "",
                         pending: d.rule == "remediation.pending", adds: adds)
        }
        let groupOf = doc.units.filter { $0.group == row.group }.count
        let parts: [CardView.Part] = [
            .init(label: req.t("score.part.asset"), value: row.asset.description, max: String(policy.assetMax), deduction: false),
            .init(label: req.t("score.part.vulnerability"), value: row.vulnerability.description, max: String(policy.vulnerabilityMax), deduction: false),
            .init(label: req.t("score.part.protection"), value: row.protection.description, max: String(policy.protectionMax), deduction: false),
            .init(label: req.t("score.part.data"), value: row.data.description, max: String(policy.dataMax), deduction: false),
            .init(label: req.t("score.part.remediation"), value: "−" + row.remediation.description, max: "", deduction: true),
        ]
        let content = CardView(
            unit: row.unit, name: row.name, groupName: req.t("unit.group.\(row.group)"), total: row.total.description,
            rank: row.rank, rankOf: doc.units.count, groupRank: row.groupRank, groupOf: groupOf, assets: row.assets,
            points: row.points, parts: parts, formula: row.formula, lines: lines,
            scoredAt: req.timeText(BundleDate.parse(doc.scoredAt), in: campaign), published: published,
            provisional: !published,
            backHref: AccessPolicy.visibleUnit(for: actor) == nil ? campaign.url(.scores).path : nil)
        return try await req.page("score-card", title: "\(unit.name) · \(req.t("score.card"))", campaign: campaign, content: content)
    }

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

    static func durationText(_ req: Request, _ seconds: Int64) -> String {
        let s = max(0, seconds)
        return req.t("score.duration", ["h": String(s / 3600), "m": String((s % 3600) / 60)])
    }

    func publishWeb(req: Request) async throws -> Response {
        let (campaign, _) = try await publish(req)
        return req.seeOther(campaign.url(.scores).path)
    }

    // MARK: - Policy page

    struct PolicyView: Encodable {
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

    /// The policy form; after a refusal (`typed`), exactly what the admin typed, so nothing is lost.
    func policyView(_ req: Request, _ campaign: Campaign, _ p: ScoringPolicy, error: String? = nil,
                    typed: [String: String]? = nil) throws -> PolicyView {
        let actor = try req.requireActor()
        let isAdmin = AccessPolicy.decide(actor, .manageCampaigns) == .allow
        func value(_ name: String, _ stored: Int) -> String { typed.map { $0[name] ?? "" } ?? String(stored) }
        func field(_ name: String, _ stored: Int) -> PolicyView.Field {
            .init(name: name, label: req.t("policy.\(name)"), value: value(name, stored))
        }
        var brackets: [PolicyView.BracketRow]
        if let typed {
            brackets = (0..<10).compactMap { i in
                let h = typed["bracket\(i)_hours"] ?? "", pts = typed["bracket\(i)_points"] ?? ""
                return h.isEmpty && pts.isEmpty ? nil : PolicyView.BracketRow(index: 0, hours: h, points: pts)
            }
        } else {
            brackets = p.remediationBrackets.map { PolicyView.BracketRow(index: 0, hours: String($0.withinHours), points: String($0.points)) }
        }
        if isAdmin && campaign.state != .published { brackets.append(.init(index: 0, hours: "", points: "")) }
        for i in brackets.indices { brackets[i].index = i }
        let maxima = [("assetMax", p.assetMax), ("vulnerabilityMax", p.vulnerabilityMax), ("protectionMax", p.protectionMax),
                      ("dataMax", p.dataMax)].map { Int(value($0.0, $0.1)) }
        return PolicyView(
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

    func policyPage(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        return try await req.page("scoring-policy", title: req.t("policy.title"), campaign: campaign,
                                  content: try policyView(req, campaign, campaign.scoringPolicy))
    }

    func policySave(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode([String: String].self)
        var p = ScoringPolicy()
        var unreadable: [String] = []
        func int(_ name: String) -> Int {
            let text = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
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
            let text = (form["severity_\(s.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
            if let v = Int(text) { severity[s.rawValue] = v } else { unreadable.append(req.t("finding.severity.\(s.rawValue)")) }
        }
        p.severityPoints = severity
        var brackets: [ScoringPolicy.Bracket] = []
        for i in 0..<10 {
            let h = (form["bracket\(i)_hours"] ?? "").trimmingCharacters(in: .whitespaces)
            let pts = (form["bracket\(i)_points"] ?? "").trimmingCharacters(in: .whitespaces)
            if h.isEmpty && pts.isEmpty { continue }
            guard let hv = Int(h), let pv = Int(pts) else { unreadable.append(req.t("policy.bracket", ["n": String(i + 1)])); continue }
            brackets.append(.init(withinHours: hv, points: pv))
        }
        p.remediationBrackets = brackets
        do {
            if !unreadable.isEmpty {
                throw PatrolError.invalid("error.score.policyNumbers", ["fields": unreadable.joined(separator: "、")])
            }
            try await savePolicy(req, campaign, p)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            let view = try await req.page("scoring-policy", title: req.t("policy.title"), campaign: campaign,
                                          content: try policyView(req, campaign, p, error: req.t(error), typed: form))
            let res = try await view.encodeResponse(for: req)
            res.status = .unprocessableEntity
            return res
        }
        return req.seeOther(campaign.url(.scoringPolicy).path)
    }
}

extension ScoringPolicy: Content {}
