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

    func ranking(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let (doc, published) = try await visibleSheet(req, campaign)
        if case .some = AccessPolicy.visibleUnit(for: try req.requireActor()) {
            guard let own = doc.units.first else { throw PatrolError.notFound }
            return req.seeOther(campaign.url(.unitScore(.value(own.unit))).path)
        }
        struct Filter: Decodable { var group: String? }
        let group = try req.query.decode(Filter.self).group.flatMap(UnitGroup.init(rawValue:))
        let content = try ScoreRankingPage(req, campaign: campaign, doc: doc, published: published, group: group)
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

    func card(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let (row, doc, published, unit) = try await visibleRow(req, campaign)
        let content = try await ScoreCardPage(req, campaign: campaign, row: row, doc: doc, published: published)
        return try await req.page("score-card", title: "\(unit.name) · \(req.t("score.card"))", campaign: campaign, content: content)
    }

    func publishWeb(req: Request) async throws -> Response {
        let (campaign, _) = try await publish(req)
        return req.seeOther(campaign.url(.scores).path)
    }

    // MARK: - Policy page

    func policyPage(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        return try await req.page("scoring-policy", title: req.t("policy.title"), campaign: campaign,
                                  content: try ScoringPolicyPage(req, campaign: campaign, policy: campaign.scoringPolicy))
    }

    func policySave(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode([String: String].self)
        let (p, unreadable) = ScoringPolicyForm(fields: form).read(req)
        do {
            if !unreadable.isEmpty {
                throw PatrolError.invalid("error.score.policyNumbers", ["fields": unreadable.joined(separator: "、")])
            }
            try await savePolicy(req, campaign, p)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            let view = try await req.page("scoring-policy", title: req.t("policy.title"), campaign: campaign,
                                          content: try ScoringPolicyPage(req, campaign: campaign, policy: p, error: req.t(error), typed: form))
            let res = try await view.encodeResponse(for: req)
            res.status = .unprocessableEntity
            return res
        }
        return req.seeOther(campaign.url(.scoringPolicy).path)
    }
}

extension ScoringPolicy: Content {}
