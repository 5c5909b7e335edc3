import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// What waits for the signed-in user in a campaign — the in-platform notifications of SPEC §4.
/// Testers: findings their team must complete; reviewers: findings to review and reports to
/// retest; admins: verified findings to notify as well; liaisons: notified findings to remediate.
struct WorkQueue {
    struct Item: Encodable {
        var kind: String
        var label: String
        var count: Int
        var href: String
    }

    static func items(_ req: Request, _ campaign: Campaign) async throws -> [Item] {
        guard let actor = req.actor else { return [] }
        let id = try campaign.requireID()
        let base = "/campaigns/\(campaign.code)"
        func count(_ statuses: [FindingStatus], unit: UUID? = nil, team: UUID? = nil) async throws -> Int {
            var q = Finding.query(on: req.db).filter(\.$campaign.$id == id).filter(\.$status ~~ statuses)
            if let unit { q = q.filter(\.$unit.$id == unit) }
            if let team { q = q.filter(\.$team.$id == team) }
            return try await q.count()
        }
        var items: [Item] = []
        switch actor.role {
        case .tester:
            guard let team = actor.teamID else { break }
            items.append(.init(kind: "needInfo", label: req.t("todo.needInfo"), count: try await count([.needInfo], team: team),
                               href: base + "/findings?status=needInfo"))
        case .reviewer, .admin:
            items.append(.init(kind: "review", label: req.t("todo.review"), count: try await count([.submitted]),
                               href: base + "/findings?status=submitted"))
            items.append(.init(kind: "retest", label: req.t("todo.retest"), count: try await count([.remediated]),
                               href: base + "/findings?status=remediated"))
            if actor.role == .admin {
                items.append(.init(kind: "notice", label: req.t("todo.notice"), count: try await count([.verified]),
                                   href: base + "/notices"))
            }
        case .liaison:
            guard let unit = actor.unitID else { break }
            items.append(.init(kind: "remediate", label: req.t("todo.remediate"), count: try await count([.notified], unit: unit),
                               href: base + "/notices"))
        case .observer:
            break
        }
        return items.filter { $0.count > 0 }
    }
}
