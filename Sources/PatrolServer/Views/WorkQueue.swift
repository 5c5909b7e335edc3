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
        func findings(_ status: FindingStatus) -> String { campaign.url(.findings).path(query: [("status", status.rawValue)]) }
        func counts(unit: UUID? = nil, team: UUID? = nil) async throws -> [FindingStatus: Int] {
            try await Finding.statusCounts(on: req.db, campaignID: id, unit: unit, team: team)
        }
        var items: [Item] = []
        switch AccessPolicy.findingScope(for: actor) {
        case .team(let team):
            let n = try await counts(team: team)
            items.append(.init(kind: "needInfo", label: req.t("todo.needInfo"), count: n[.needInfo] ?? 0,
                               href: findings(.needInfo)))
        case .notifiedOfUnit(let unit):
            let n = try await counts(unit: unit)
            items.append(.init(kind: "remediate", label: req.t("todo.remediate"), count: n[.notified] ?? 0,
                               href: campaign.url(.notices).path))
        case .all, .none:
            break
        }
        if AccessPolicy.decide(actor, .reviewFindings) == .allow {
            let n = try await counts()
            items.append(.init(kind: "review", label: req.t("todo.review"), count: n[.submitted] ?? 0,
                               href: findings(.submitted)))
            items.append(.init(kind: "retest", label: req.t("todo.retest"), count: n[.remediated] ?? 0,
                               href: findings(.remediated)))
            if AccessPolicy.decide(actor, .issueNotice) == .allow {
                items.append(.init(kind: "notice", label: req.t("todo.notice"), count: n[.verified] ?? 0,
                                   href: campaign.url(.notices).path))
            }
        }
        return items.filter { $0.count > 0 }
    }
}
