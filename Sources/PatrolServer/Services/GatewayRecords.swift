import Fluent
import Foundation
import PatrolCore
import PatrolStore

/// A campaign's gateway records as one actor may read them (a tester: their team's only), with no
/// HTTP in sight: the records API, the export and the records pages are adapters over it. Bad
/// filters are `PatrolError`s naming the value; a record the actor may not see is not found.
struct GatewayRecords {
    let db: any Database
    let actor: Actor
    /// Who acted, from where, for the audit log (attaching and replaying).
    let audit: AuditContext
    let campaign: Campaign
    let teams: CampaignTeams

    /// One page of the matching records, newest first, without headers or bodies.
    struct Page {
        var records: [GatewayRecord]
        var total: Int
        var page: Int
        var per: Int
    }

    /// The records query for `filter`, restricted to what the actor may see.
    func query(_ filter: GatewayRecordFilter) throws -> QueryBuilder<GatewayRecord> {
        let q = GatewayRecord.query(on: db).filter(\.$campaign.$id == (try campaign.requireID()))
        if case .some(let only) = AccessPolicy.visibleTeam(for: actor) {
            guard let team = only else { throw PatrolError.forbidden }
            q.filter(\.$team.$id == team)
        }
        if let code = filter.team?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            // An unknown team matches nothing rather than everything.
            q.filter(\.$team.$id == (teams.ids[code] ?? UUID()))
        }
        if let tester = filter.tester?.trimmingCharacters(in: .whitespaces), !tester.isEmpty { q.filter(\.$username == tester) }
        if let host = filter.host?.trimmingCharacters(in: .whitespaces).lowercased(), !host.isEmpty { q.filter(\.$host == host) }
        if let text = filter.status?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let status = Int(text), (0...999).contains(status) else {
                throw PatrolError.invalid("error.gateway.status", ["value": String(text.prefix(20))])
            }
            q.filter(\.$status == status)
        }
        if let decision = filter.decision, !decision.isEmpty {
            guard decision == "allowed" || decision == "denied" else {
                throw PatrolError.invalid("error.gateway.decision", ["value": String(decision.prefix(20))])
            }
            q.filter(\.$decision == decision)
        }
        if let alert = filter.alert, !alert.isEmpty {
            if alert == "any" {
                q.filter(\.$alerts != nil)
            } else {
                guard GatewayRecordDTO.alertNames.contains(alert) else {
                    throw PatrolError.invalid("error.gateway.alert", ["value": String(alert.prefix(30))])
                }
                q.filter(\.$alerts ~~ alert)
            }
        }
        if let from = try Self.time(filter.from, field: "from", zone: campaign.zone) { q.filter(\.$startedAt >= from) }
        if let to = try Self.time(filter.to, field: "to", zone: campaign.zone) { q.filter(\.$startedAt < to) }
        if let text = filter.q?.trimmingCharacters(in: .whitespaces), !text.isEmpty { q.filter(\.$url ~~ text) }
        return q
    }

    /// A time from a filter: RFC 3339, or `yyyy-MM-ddTHH:mm` (a browser's local time field) in the campaign's zone.
    static func time(_ text: String?, field: String, zone: TimeZone) throws -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = iso.date(from: text) { return d }
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = zone
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        throw PatrolError.invalid("error.gateway.time", ["field": field, "value": String(text.prefix(40))])
    }

    /// The page of matching records `filter` asks for (at most 500 a page).
    func page(_ filter: GatewayRecordFilter) async throws -> Page {
        let per = min(max(filter.per ?? 50, 1), 500)
        let page = max(filter.page ?? 1, 1)
        let q = try query(filter)
        let total = try await q.copy().count()
        let rows = try await GatewayRecordDTO.selectListFields(q.sort(\.$id, .descending).range(((page - 1) * per)..<(page * per))).all()
        return Page(records: rows, total: total, page: page, per: per)
    }

    /// One record of the campaign the actor may see; not found otherwise (a tester asking for another team's).
    func record(_ id: Int) async throws -> GatewayRecord {
        guard let r = try await GatewayRecord.query(on: db).filter(\.$id == id)
            .filter(\.$campaign.$id == (try campaign.requireID())).first() else {
            throw PatrolError.notFound
        }
        try PatrolError.enforce(AccessPolicy.decide(actor, .viewGatewayRecord(teamID: r.$team.id)))
        return r
    }

    /// The newest flagged records of the whole campaign, for the organiser's gateway page.
    func recentlyFlagged(limit: Int) async throws -> [GatewayRecord] {
        try await GatewayRecordDTO.selectListFields(GatewayRecord.query(on: db)
            .filter(\.$campaign.$id == campaign.requireID()).filter(\.$alerts != nil)
            .sort(\.$id, .descending).limit(limit)).all()
    }

    /// The record `r` replays, when it is one (and of this campaign).
    func original(of r: GatewayRecord) async throws -> GatewayRecord? {
        guard let of = r.replayOf else { return nil }
        return try await GatewayRecord.query(on: db).filter(\.$id == of).filter(\.$campaign.$id == campaign.requireID()).first()
    }

    /// The newest replays of `r`.
    func replays(of r: GatewayRecord, limit: Int) async throws -> [GatewayRecord] {
        try await GatewayRecordDTO.selectListFields(GatewayRecord.query(on: db)
            .filter(\.$campaign.$id == campaign.requireID()).filter(\.$replayOf == r.id).sort(\.$id, .descending).limit(limit)).all()
    }
}
