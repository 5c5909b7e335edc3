import Fluent
import Foundation
import PatrolCore
import PatrolStore

/// The organiser creates, edits and copies campaigns and moves them through their states (issue
/// 19), with no HTTP in sight: the campaign pages and the API are adapters over it. Each change is
/// checked, then saved with its audit entry in one transaction; refusals name the field and value.
struct CampaignSetup {
    let db: any Database
    let actor: Actor
    let audit: AuditContext
    var now: Date = Date()

    /// A new draft campaign; with `copyFrom`, its units, teams and scoring policy are the earlier one's.
    func create(_ draft: CampaignDraft) async throws -> Campaign {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageCampaigns))
        let code = draft.code?.trimmingCharacters(in: .whitespaces) ?? ""
        guard CampaignCode.isValid(code) else { throw PatrolError.invalid("error.campaign.code", ["code": code]) }
        if try await Campaign.query(on: db).filter(\.$code == code).count() > 0 {
            throw PatrolError.conflict("error.campaign.codeTaken", ["code": code])
        }
        var source: Campaign?
        if let from = draft.copyFrom?.nonEmpty {
            guard let found = try await Campaign.query(on: db).filter(\.$code == from).first() else {
                throw PatrolError.invalid("error.campaign.copyFrom", ["code": from])
            }
            source = found
        }
        let campaign = Campaign(code: code, name: "", timeZone: "Asia/Shanghai", startsAt: now, endsAt: now,
                                scoringPolicy: source?.scoringPolicy ?? .standard)
        try apply(draft, to: campaign)
        let (audit, sourceID, sourceCode) = (self.audit, try source?.requireID(), source?.code)
        return try await db.transaction { db in
            try await campaign.create(on: db)
            let id = try campaign.requireID()
            var details = ["name": campaign.name, "window": "\(BundleDate.format(campaign.startsAt, in: campaign.zone)) – "
                + BundleDate.format(campaign.endsAt, in: campaign.zone)]
            if let sourceID, let sourceCode {
                let units = try await CampaignUnit.query(on: db).filter(\.$campaign.$id == sourceID).all(\.$unit.$id)
                try await units.map { unitID in
                    let link = CampaignUnit(); link.$campaign.id = id; link.$unit.id = unitID
                    return link
                }.create(on: db)
                // Teams join active and without interception: last year's switches are not this year's decision.
                let teams = try await CampaignTeam.query(on: db).filter(\.$campaign.$id == sourceID).all(\.$team.$id)
                try await teams.map { teamID in
                    let link = CampaignTeam(); link.$campaign.id = id; link.$team.id = teamID
                    link.state = .active; link.interception = false
                    return link
                }.create(on: db)
                details["copiedFrom"] = sourceCode
                details["units"] = "\(units.count)"
                details["teams"] = "\(teams.count)"
            }
            try await AuditLog.append(on: db, audit, action: "campaign.create", objectType: "campaign", objectID: campaign.code,
                                      details: details)
            return campaign
        }
    }

    /// Changes a draft campaign's name, window, zone and office (its code names it everywhere and stays).
    func update(_ campaign: Campaign, with draft: CampaignDraft) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageCampaigns))
        guard campaign.state == .draft else {
            throw PatrolError.conflict("error.campaign.notDraft", keys: ["state": "campaign.state.\(campaign.state.rawValue)"])
        }
        let before = (campaign.name, campaign.timeZone, campaign.startsAt, campaign.endsAt, campaign.scoredAt, campaign.office)
        try apply(draft, to: campaign)
        var changes: [String: String] = [:]
        if before.0 != campaign.name { changes["name"] = "\(before.0) → \(campaign.name)" }
        if before.1 != campaign.timeZone { changes["timeZone"] = "\(before.1) → \(campaign.timeZone)" }
        if before.2 != campaign.startsAt || before.3 != campaign.endsAt || before.4 != campaign.scoredAt {
            changes["window"] = "\(BundleDate.format(campaign.startsAt, in: campaign.zone)) – \(BundleDate.format(campaign.endsAt, in: campaign.zone))"
        }
        if before.5 != campaign.office { changes["office"] = campaign.office.name ?? "" }
        guard !changes.isEmpty else { return }
        let (audit, recorded) = (self.audit, changes)
        try await db.transaction { db in
            try await campaign.save(on: db)
            try await AuditLog.append(on: db, audit, action: "campaign.update", objectType: "campaign", objectID: campaign.code,
                                      details: recorded)
        }
    }

    /// Checks every field of `draft` and sets it on `campaign`.
    func apply(_ draft: CampaignDraft, to campaign: Campaign) throws {
        let name = draft.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty, name.count <= 200 else { throw PatrolError.invalid("error.campaign.name") }
        let zoneName = draft.timeZone?.nonEmpty ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else { throw PatrolError.invalid("error.campaign.timeZone", ["zone": zoneName]) }
        func time(_ text: String?, _ field: String) throws -> Date? {
            guard let text = text?.nonEmpty else { return nil }
            guard let date = CampaignDraft.time(text, in: zone) else {
                throw PatrolError.invalid("error.campaign.time", ["value": text], keys: ["field": "campaign.field.\(field)"])
            }
            return date
        }
        guard let starts = try time(draft.startsAt, "startsAt") else {
            throw PatrolError.invalid("error.campaign.timeMissing", keys: ["field": "campaign.field.startsAt"])
        }
        guard let ends = try time(draft.endsAt, "endsAt") else {
            throw PatrolError.invalid("error.campaign.timeMissing", keys: ["field": "campaign.field.endsAt"])
        }
        guard ends > starts else { throw PatrolError.invalid("error.campaign.window") }
        let scoredAt = try time(draft.scoredAt, "scoredAt")
        if let scoredAt, scoredAt < ends { throw PatrolError.invalid("error.campaign.scoredAt") }
        let office = draft.office
        if let phone = office.contactPhone, !CampaignOffice.isDialable(phone) {
            throw PatrolError.invalid("error.campaign.contactPhone", ["phone": phone])
        }
        campaign.name = name
        campaign.timeZone = zone.identifier
        campaign.startsAt = starts
        campaign.endsAt = ends
        campaign.scoredAt = scoredAt
        campaign.office = office
    }

    /// The failing checks of moving `campaign` to `state` (empty: ready), or an error if the change
    /// is not one an admin may make.
    func checks(_ campaign: Campaign, to state: CampaignState) async throws -> [CampaignReadiness.Check] {
        guard CampaignReadiness.allowed(from: campaign.state, to: state) else {
            throw PatrolError.conflict("error.campaign.transition", keys: ["from": "campaign.state.\(campaign.state.rawValue)",
                                                                          "to": "campaign.state.\(state.rawValue)"])
        }
        return CampaignReadiness.checks(to: state, facts: try await campaign.readinessFacts(on: db))
    }

    /// Moves `campaign` to `state` when its checks allow (publishing goes through `ScorePublication`).
    func changeState(_ campaign: Campaign, to state: CampaignState, reason: String?) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .manageCampaigns))
        guard state != .published else { throw PatrolError.conflict("error.campaign.publish_via_scores") }
        let checks = try await checks(campaign, to: state)
        guard CampaignReadiness.permits(checks, reason: reason) else {
            throw PatrolError.conflict("error.campaign.notReady", ["checks": checks.map(\.code).joined(separator: ", ")])
        }
        let old = campaign.state
        campaign.state = state
        if old == .published { ScorePublication.withdraw(campaign) }
        var details = ["from": old.rawValue, "to": state.rawValue]
        if !checks.isEmpty { details["warnings"] = checks.map { "\($0.code)=\($0.count)" }.joined(separator: ", ") }
        if let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty { details["reason"] = reason }
        let (audit, recorded) = (self.audit, details)
        try await db.transaction { db in
            try await campaign.save(on: db)
            try await AuditLog.append(on: db, audit, action: "campaign.state", objectType: "campaign",
                                      objectID: campaign.code, details: recorded)
        }
    }
}
