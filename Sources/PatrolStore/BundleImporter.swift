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

            let assets = bundle.assets.map { a in
                let asset = Asset(campaignID: campaignID, unitID: unitIDs[a.unit]!, code: a.code, kind: a.kind, target: a.target,
                                  ports: a.ports, origin: a.origin, note: a.note, internalNetwork: a.internalNetwork, review: a.review,
                                  reviewReason: a.reviewReason)
                asset.id = UUID()
                return asset
            }
            try await assets.createInBatches(on: db)
            let assetIDs = Dictionary(uniqueKeysWithValues: try assets.map { ($0.code, try $0.requireID()) })

            var noticeOf: [String: UUID] = [:]
            var seqByUnit: [String: Int] = [:]
            var notices: [Notice] = []
            for n in bundle.notices.sorted(by: { $0.issuedAt < $1.issuedAt || ($0.issuedAt == $1.issuedAt && $0.code < $1.code) }) {
                let seq = (seqByUnit[n.unit] ?? 0) + 1
                seqByUnit[n.unit] = seq
                let notice = Notice(campaignID: campaignID, unitID: unitIDs[n.unit]!, code: n.code, seq: seq, issuedAt: n.issuedAt)
                notice.id = UUID()
                notices.append(notice)
                for f in n.findings { noticeOf[f] = notice.id }
            }
            try await notices.createInBatches(on: db)

            // A duplicate whose original is in a later batch gets its link once both are written.
            var findingIDs: [String: UUID] = [:]
            var laterLinks: [(UUID, String)] = []
            var written = 0
            while let batch = try source.nextFindings(limit: findingBatch) {
                var models: [Finding] = []
                var reports: [RemediationReport] = []
                var retests: [Retest] = []
                models.reserveCapacity(batch.count)
                for f in batch {
                    let m = finding(f, campaignID: campaignID, unitIDs: unitIDs, teamIDs: teamIDs, assetIDs: assetIDs)
                    m.$notice.id = noticeOf[f.code]
                    findingIDs[f.code] = m.id
                    if let original = f.duplicateOf {
                        if let id = findingIDs[original] { m.$duplicateOf.id = id } else { laterLinks.append((m.id!, original)) }
                    }
                    models.append(m)
                    for r in f.remediations {
                        let report = RemediationReport(findingID: m.id!, submittedAt: r.submittedAt,
                                                       description: r.description, shellsDeleted: r.shellsDeleted)
                        report.id = UUID()
                        reports.append(report)
                        if let result = r.retest {
                            retests.append(Retest(reportID: report.id!, result: result, reason: r.retestReason,
                                                  decidedAt: r.retestedAt ?? r.submittedAt))
                        }
                    }
                }
                try await models.createInBatches(on: db)
                try await reports.createInBatches(on: db)
                try await retests.createInBatches(on: db)
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

    static func finding(_ f: CheckedBundle.Finding, campaignID: UUID, unitIDs: [String: UUID], teamIDs: [String: UUID],
                        assetIDs: [String: UUID]) -> Finding {
        let m = Finding()
        m.id = UUID()
        m.$campaign.id = campaignID
        m.code = f.code
        m.$unit.id = unitIDs[f.unit]!
        m.$asset.id = f.asset.flatMap { assetIDs[$0] }
        m.$team.id = teamIDs[f.team]!
        m.kind = f.kind
        m.severity = f.severity
        m.type = f.type
        m.title = f.title
        m.description = f.description
        m.reproduction = f.reproduction
        m.url = f.url
        m.shellPaths = f.shellPaths
        m.weakPassword = f.weakPassword
        m.sensitiveRecords = f.sensitiveRecords
        m.status = f.status
        m.reviewNote = f.reviewNote
        m.submittedAt = f.submittedAt
        m.verifiedAt = f.verifiedAt
        m.notifiedAt = f.notifiedAt
        m.closedAt = f.status == .closed ? f.remediations.last?.retestedAt ?? f.remediations.last?.submittedAt : nil
        return m
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
