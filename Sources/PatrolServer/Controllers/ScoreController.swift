import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Scores (SPEC §5): the ranking, each unit's explained score card, publication and the policy.
/// Admins, reviewers and observers see everything; a liaison sees only their own card, and only
/// once the admin has published the scores. Who sees which sheet is `ScoreSheetAccess`; a policy
/// edit is `ScoringPolicyChange`; the pages are their view-models (`ScoreRankingPage`, …).
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

    /// The sheets as the request's reader may see them.
    func sheets(_ req: Request) throws -> ScoreSheetAccess {
        ScoreSheetAccess(db: req.db, actor: try req.requireActor(), memo: req.application.scoreMemo)
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
        let (doc, published) = try await sheets(req).visibleSheet(campaign)
        return SheetResponse(campaign: doc.campaign, scoredAt: doc.scoredAt, published: published,
                             publishedAt: campaign.publishedAt, units: doc.units)
    }

    func apiUnitScore(req: Request) async throws -> UnitResponse {
        let campaign = try await req.campaign()
        let (row, doc, published, _) = try await sheets(req).visibleRow(campaign, unit: req.parameters.get("unit"))
        return UnitResponse(campaign: doc.campaign, scoredAt: doc.scoredAt, published: published,
                            publishedAt: campaign.publishedAt, score: row)
    }

    struct PublishForm: Content { var reason: String? }

    func publish(_ req: Request) async throws -> (Campaign, ScoreSheetDocument) {
        let campaign = try await req.campaign()
        let reason = (try? req.content.decode(PublishForm.self))?.reason?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        // Publishing over reports nobody retested needs the admin's recorded reason (CampaignReadiness).
        let checks = CampaignReadiness.checks(to: .published, facts: try await campaign.readinessFacts(on: req.db))
        guard CampaignReadiness.permits(checks, reason: reason) else {
            throw PatrolError.conflict("error.score.awaitingRetest", ["n": "\(checks.first { $0.code == "reportsAwaitingRetest" }?.count ?? 0)"])
        }
        do {
            let doc = try await ScorePublication.publish(campaign, reason: reason, context: req.auditContext, on: req.db)
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

    /// Saves the policy through `ScoringPolicyChange`, its refusals told in the reader's language.
    func savePolicy(_ req: Request, _ campaign: Campaign, _ policy: ScoringPolicy) async throws {
        do {
            try await ScoringPolicyChange(db: req.db, actor: try req.requireActor(), audit: req.auditContext).save(policy, to: campaign)
        } catch ScoringPolicyChange.Refusal.published {
            throw PatrolError.conflict("error.score.policyPublished")
        } catch ScoringPolicyChange.Refusal.invalid(let problems) {
            let chinese = req.language == .zh
            throw PatrolError.invalid("error.score.policyInvalid",
                                      ["problems": problems.map { $0.message(chinese: chinese) }.joined(separator: "；")])
        }
    }

    // MARK: - Web

    func ranking(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let access = try sheets(req)
        let (doc, published) = try await access.visibleSheet(campaign)
        if access.limitedToOneUnit {
            guard let own = doc.units.first else { throw PatrolError.notFound }
            return req.seeOther(campaign.url(.unitScore(.value(own.unit))).path)
        }
        struct Filter: Decodable { var group: String? }
        let group = try req.query.decode(Filter.self).group.flatMap(UnitGroup.init(rawValue:))
        var content = try ScoreRankingPage(req, campaign: campaign, doc: doc, published: published, group: group)
        if content.canPublish { content.awaitingRetest = try await campaign.readinessFacts(on: req.db).reportsAwaitingRetest }
        return try await req.page("scores", title: req.t("score.title"), campaign: campaign, content: content).encodeResponse(for: req)
    }

    func csv(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        // The export is the whole ranking: nothing for a reader limited to one unit.
        let doc = try await sheets(req).wholeSheet(campaign)
        let data = try ScoreSheetExport.csv(doc, chinese: req.language == .zh)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(campaign.code)-scores.csv\"")
        return res
    }

    func card(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let (row, doc, published, unit) = try await sheets(req).visibleRow(campaign, unit: req.parameters.get("unit"))
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
