import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// A finding's page. Who may see it is the policy's `viewFinding`: reviewers and admins all, a
/// tester their team's, a liaison their unit's once notified; everyone else gets 404.
struct FindingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, "campaigns", ":campaign", "findings", ":finding", access: .signedIn, use: show)
    }

    /// The finding named by `:finding` in the campaign, if the actor may see it.
    static func visibleFinding(_ req: Request, _ campaign: Campaign) async throws -> Finding {
        guard let code = req.parameters.get("finding"),
              let finding = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == code).with(\.$unit).with(\.$team).with(\.$asset).first() else {
            throw PatrolError.notFound
        }
        try req.authorize(.viewFinding(unitID: finding.$unit.id, teamID: finding.$team.id, status: finding.status))
        return finding
    }

    struct FindingView: Encodable {
        struct Report: Encodable { var submittedAt, description, result, resultName, reason, decidedAt: String; var shells: [String] }
        var code, title, status, statusName, kindName: String
        var severityName: String?
        var type, url, description, reproduction: String?
        var unitCode, unitName: String
        var asset: String?
        var team: String?
        var weakPassword: Bool
        var sensitiveRecords: Int
        var shellPaths: [String]
        var submittedAt, verifiedAt, notifiedAt, closedAt: String
        var reviewNote: String?
        var reports: [Report]
    }

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        let actor = try req.requireActor()
        let reports = try await RemediationReport.query(on: req.db).filter(\.$finding.$id == f.requireID())
            .with(\.$retests).sort(\.$submittedAt).all()
        let content = FindingView(
            code: f.code, title: f.title, status: f.status.rawValue, statusName: req.t("finding.status.\(f.status.rawValue)"),
            kindName: req.t("finding.kind.\(f.kind.rawValue)"),
            severityName: f.severity.map { req.t("finding.severity.\($0.rawValue)") },
            type: f.type, url: f.url, description: f.description, reproduction: f.reproduction,
            unitCode: f.unit.code, unitName: f.unit.name, asset: f.asset.map { "\($0.code) · \($0.target)" },
            // Units are not told which firm tested them.
            team: actor.role == .liaison ? nil : "\(f.team.code) · \(f.team.name)",
            weakPassword: f.weakPassword, sensitiveRecords: f.sensitiveRecords, shellPaths: f.shellPaths,
            submittedAt: req.timeText(f.submittedAt, in: campaign), verifiedAt: req.timeText(f.verifiedAt, in: campaign),
            notifiedAt: req.timeText(f.notifiedAt, in: campaign), closedAt: req.timeText(f.closedAt, in: campaign),
            reviewNote: actor.role == .liaison ? nil : f.reviewNote,
            reports: reports.map { r in
                let retest = r.retests.max { $0.decidedAt < $1.decidedAt }
                return .init(submittedAt: req.timeText(r.submittedAt, in: campaign), description: r.description ?? "",
                             result: retest?.result.rawValue ?? "waiting",
                             resultName: retest.map { req.t("retest.\($0.result.rawValue)") } ?? req.t("retest.waiting"),
                             reason: retest?.reason ?? "", decidedAt: req.timeText(retest?.decidedAt, in: campaign),
                             shells: r.shellsDeleted)
            })
        return try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign, content: content)
    }
}
