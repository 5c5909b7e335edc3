import FluentKit
import Foundation
import PatrolCore

/// Writes a checked campaign bundle in one transaction: all of it or nothing.
public enum BundleImporter {
    public struct Summary: Sendable {
        public var campaignID: UUID
        public var units: Int
        public var assets: Int
        public var teams: Int
        public var findings: Int
        public var notices: Int
    }

    /// Findings are written this many at a time: the memory of a batch, not of the bundle.
    public static let findingBatch = 1_000

    public static func importBundle(_ bundle: CheckedBundle, replace: Bool, on database: any Database,
                                    context: AuditContext) async throws -> Summary {
        try await importBundle(head: bundle, findings: BundleFindingList(bundle.findings), replace: replace,
                               on: database, context: context)
    }

    /// Writes `head` (a checked bundle whose findings are left out) and the findings `source`
    /// hands over, a batch at a time, all in one transaction; `progress` hears the findings written
    /// so far after each batch.
    public static func importBundle(head bundle: CheckedBundle, findings source: any BundleFindingSource,
                                    replace: Bool, on database: any Database, context: AuditContext,
                                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Summary {
        try await database.transaction { db in
            let code = bundle.campaign.code
            if let existing = try await Campaign.query(on: db).filter(\.$code == code).first() {
                guard replace else { throw BundleError(record: "campaign \(code)", problem: .campaignExists(code)) }
                try await CampaignRemoval.remove(existing, on: db)
            }
            let c = bundle.campaign
            let campaign = Campaign(code: c.code, name: c.name, timeZone: c.timeZone.identifier, startsAt: c.startsAt,
                                    endsAt: c.endsAt, scoredAt: c.scoredAt, state: c.state,
                                    scoringPolicy: c.scoringPolicy, isDemo: c.demo)
            campaign.office = c.office
            try await campaign.create(on: db)
            let campaignID = try campaign.requireID()

            let unitIDs = try await upsertUnits(bundle.units, on: db)
            let teamIDs = try await upsertTeams(bundle.teams, on: db)
            try await bundle.units.map { u in
                let link = CampaignUnit(); link.$campaign.id = campaignID; link.$unit.id = unitIDs[u.code]!
                return link
            }.createInBatches(on: db)
            try await bundle.teams.map { t in
                let link = CampaignTeam(); link.$campaign.id = campaignID; link.$team.id = teamIDs[t.code]!
                link.state = t.state; link.interception = false
                return link
            }.createInBatches(on: db)

            let now = Date()
            var assetIDs: [String: UUID] = [:]
            var assets = BulkRows<Asset>(["id", "campaign_id", "unit_id", "code", "kind", "target", "ports", "origin", "note",
                                          "internal_network", "review", "review_reason", "reviewed_by", "reviewed_at",
                                          "created_at", "updated_at"])
            for a in bundle.assets {
                let id = UUID()
                assetIDs[a.code] = id
                assets.append([id, campaignID, unitIDs[a.unit]!, a.code, a.kind, a.target, a.ports, a.origin, a.note,
                               a.internalNetwork, a.review, a.reviewReason, nil, nil, now, now])
            }
            try await assets.write(on: db)

            var noticeOf: [String: UUID] = [:]
            var seqByUnit: [String: Int] = [:]
            var notices = BulkRows<Notice>(["id", "campaign_id", "unit_id", "code", "seq", "issued_at", "issued_by_id",
                                            "signed_at", "signed_by_id", "signed_by_name"])
            for n in bundle.notices.sorted(by: { $0.issuedAt < $1.issuedAt || ($0.issuedAt == $1.issuedAt && $0.code < $1.code) }) {
                let seq = (seqByUnit[n.unit] ?? 0) + 1
                seqByUnit[n.unit] = seq
                let id = UUID()
                notices.append([id, campaignID, unitIDs[n.unit]!, n.code, seq, n.issuedAt, nil, n.signedAt, nil, n.signedBy])
                for f in n.findings { noticeOf[f] = id }
            }
            try await notices.write(on: db)

            // A duplicate whose original is in a later batch gets its link once both are written.
            var findingIDs: [String: UUID] = [:]
            var laterLinks: [(UUID, String)] = []
            var written = 0
            var findings = BulkRows<Finding>(["id", "campaign_id", "code", "unit_id", "asset_id", "team_id", "submitted_by_id",
                                              "kind", "severity", "type", "title", "description", "reproduction", "url",
                                              "shell_paths", "weak_password", "sensitive_records", "status", "duplicate_of_id",
                                              "review_note", "notice_id", "submitted_at", "verified_at", "notified_at",
                                              "closed_at", "created_at", "updated_at"])
            var reports = BulkRows<RemediationReport>(["id", "finding_id", "submitted_by_id", "submitted_at", "description",
                                                       "shells_deleted"])
            var retests = BulkRows<Retest>(["id", "report_id", "result", "reason", "decided_at", "decided_by_id", "shell_checks"])
            while let batch = try source.nextFindings(limit: findingBatch) {
                for f in batch {
                    let id = UUID()
                    findingIDs[f.code] = id
                    var original: UUID?
                    if let code = f.duplicateOf {
                        if let known = findingIDs[code] { original = known } else { laterLinks.append((id, code)) }
                    }
                    let closedAt = f.status == .closed ? f.remediations.last?.retestedAt ?? f.remediations.last?.submittedAt : nil
                    findings.append([id, campaignID, f.code, unitIDs[f.unit]!, f.asset.flatMap { assetIDs[$0] }, teamIDs[f.team]!, nil,
                                     f.kind, f.severity, f.type, f.title, f.description, f.reproduction, f.url,
                                     JSONText.encode(f.shellPaths), f.weakPassword, f.sensitiveRecords, f.status, original,
                                     f.reviewNote, noticeOf[f.code], f.submittedAt, f.verifiedAt, f.notifiedAt,
                                     closedAt, now, now])
                    for r in f.remediations {
                        let reportID = UUID()
                        reports.append([reportID, id, nil, r.submittedAt, r.description, JSONText.encode(r.shellsDeleted)])
                        if let result = r.retest {
                            retests.append([UUID(), reportID, result, r.retestReason, r.retestedAt ?? r.submittedAt, nil, nil])
                        }
                    }
                }
                try await findings.write(on: db)
                try await reports.write(on: db)
                try await retests.write(on: db)
                written += batch.count
                progress(written)
            }
            try source.finish()
            for (id, original) in laterLinks {
                try await Finding.query(on: db).filter(\.$id == id).set(\.$duplicateOf.$id, to: findingIDs[original]).update()
            }

            try await AuditLog.append(on: db, context, action: replace ? "campaign.import.replace" : "campaign.import",
                                      objectType: "campaign", objectID: code,
                                      details: ["units": "\(bundle.units.count)", "assets": "\(bundle.assets.count)",
                                                "teams": "\(bundle.teams.count)", "findings": "\(written)",
                                                "notices": "\(bundle.notices.count)"])
            return Summary(campaignID: campaignID, units: bundle.units.count, assets: bundle.assets.count,
                           teams: bundle.teams.count, findings: written, notices: bundle.notices.count)
        }
    }

    static func upsertUnits(_ units: [CheckedBundle.Unit], on db: any Database) async throws -> [String: UUID] {
        var existing: [Unit] = []
        for start in stride(from: 0, to: units.count, by: 500) {
            let codes = units[start..<min(start + 500, units.count)].map(\.code)
            existing += try await Unit.query(on: db).filter(\.$code ~~ codes).all()
        }
        var byCode = Dictionary(uniqueKeysWithValues: existing.map { ($0.code, $0) })
        for u in units {
            let model = byCode[u.code] ?? Unit(code: u.code, name: u.name, category: u.category, group: u.group)
            model.name = u.name
            model.category = u.category
            model.group = u.group
            model.note = u.note
            try await model.save(on: db)
            byCode[u.code] = model
        }
        var ids: [String: UUID] = [:]
        for (code, model) in byCode { ids[code] = try model.requireID() }
        for u in units {
            let model = byCode[u.code]!
            let parentID = u.parent.flatMap { ids[$0] }
            if model.$parent.id != parentID {
                model.$parent.id = parentID
                try await model.save(on: db)
            }
        }
        // The bundle's liaisons replace the units' own, in statements of a few hundred units each.
        let unitIDs = units.map { ids[$0.code]! }
        var start = 0
        while start < unitIDs.count {
            let end = min(start + 500, unitIDs.count)
            try await Liaison.query(on: db).filter(\.$unit.$id ~~ Array(unitIDs[start..<end])).delete()
            start = end
        }
        try await units.flatMap { u in
            u.liaisons.enumerated().map { i, l in
                Liaison(unitID: ids[u.code]!, name: l.name, phone: l.phone, position: i, officePhone: l.officePhone, email: l.email)
            }
        }.createInBatches(on: db)
        return ids
    }

    static func upsertTeams(_ teams: [CheckedBundle.Team], on db: any Database) async throws -> [String: UUID] {
        let existing = try await Team.query(on: db).filter(\.$code ~~ teams.map(\.code)).all()
        var byCode = Dictionary(uniqueKeysWithValues: existing.map { ($0.code, $0) })
        for t in teams {
            let model = byCode[t.code] ?? Team(code: t.code, name: t.name)
            model.name = t.name
            model.company = t.company
            try await model.save(on: db)
            byCode[t.code] = model
        }
        return try byCode.mapValues { try $0.requireID() }
    }
}
