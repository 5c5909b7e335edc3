import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// Reads a campaign back into its bundle, in canonical order (records by code, times in the
/// campaign's zone), so export → import → export gives the same document.
public enum BundleExporter {
    public struct NotFound: Error, CustomStringConvertible {
        public var code: String
        public var description: String { "campaign \"\(code)\" does not exist" }
    }

    /// Findings are read this many at a time.
    static let findingPage = 1_000

    /// The campaign as a bundle in memory (tests, small campaigns): the streamed text, read back.
    public static func export(campaignCode: String, on db: any Database) async throws -> CampaignBundle {
        let data = try await encoded(campaignCode: campaignCode, on: db)
        return try CampaignBundle.decode(data)
    }

    /// The campaign's canonical text, whole.
    public static func encoded(campaignCode: String, on db: any Database) async throws -> Data {
        var data = Data()
        try await write(campaignCode: campaignCode, on: db) { data.append($0) }
        return data
    }

    /// Writes the campaign's canonical text to `emit` piece by piece, reading its findings a page
    /// at a time, so memory follows a page (and each finding's code), not the campaign.
    public static func write(campaignCode: String, on db: any Database, to emit: @escaping (Data) throws -> Void) async throws {
        guard let campaign = try await Campaign.query(on: db).filter(\.$code == campaignCode).first() else {
            throw NotFound(code: campaignCode)
        }
        let id = try campaign.requireID()
        let tz = campaign.zone
        func time(_ d: Date) -> String { BundleDate.format(d, in: tz) }

        let units = try await campaign.$units.query(on: db).with(\.$parent).all()
        let unitCode = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.code) })
        // The liaisons grouped here rather than eager-loaded: Fluent's loader scans every liaison for
        // each of 2,000 units.
        var liaisonsOf: [UUID: [Liaison]] = [:]
        for start in stride(from: 0, to: units.count, by: findingPage) {
            let ids = units[start..<min(start + findingPage, units.count)].map { $0.id! }
            for l in try await Liaison.query(on: db).filter(\.$unit.$id ~~ ids).all() { liaisonsOf[l.$unit.id, default: []].append(l) }
        }
        let teamLinks = try await CampaignTeam.query(on: db).filter(\.$campaign.$id == id).with(\.$team).all()
        let teamCode = Dictionary(uniqueKeysWithValues: teamLinks.map { ($0.team.id!, $0.team.code) })
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let assetIDs = try await sql.select().columns("id", "code").from(Asset.schema).where("campaign_id", .equal, SQLBind(id))
            .all().map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "code", as: String.self)) }
        let assetCode = Dictionary(uniqueKeysWithValues: assetIDs)
        let notices = try await Notice.query(on: db).filter(\.$campaign.$id == id).all()
        // Every finding's id, code and notice, to order them by code and to name duplicates'
        // originals and notices' findings without holding the findings themselves.
        let keys = try await sql.select().columns("id", "code", "notice_id").from(Finding.schema)
            .where("campaign_id", .equal, SQLBind(id)).all(decoding: FindingKey.self)
        let findingCode = Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0.code) })
        let ordered = keys.sorted { $0.code < $1.code }.map(\.id)

        var writer = BundleWriter(emit: emit)
        try writer.begin()
        try writer.beginList(.assets)
        // Assets by code, a page of ids at a time.
        let assetOrder = assetIDs.sorted { $0.1 < $1.1 }.map(\.0)
        for start in stride(from: 0, to: assetOrder.count, by: findingPage) {
            let page = Array(assetOrder[start..<min(start + findingPage, assetOrder.count)])
            for a in try await rows(AssetRow.self, from: Asset.schema, where: "id", in: page, on: sql).sorted(by: { $0.code < $1.code }) {
                try writer.entry(CampaignBundle.Asset(
                    code: a.code, unit: unitCode[a.unitId] ?? "", kind: a.kind, target: a.target,
                    ports: a.ports, origin: a.origin, note: a.note, internalNetwork: a.internalNetwork ? true : nil,
                    review: a.review == AssetReview.approved.rawValue ? nil : a.review, reviewReason: a.reviewReason))
            }
        }
        try writer.endList()
        try writer.member(.campaign, CampaignBundle.Campaign(
            code: campaign.code, name: campaign.name, timeZone: campaign.timeZone,
            startsAt: time(campaign.startsAt), endsAt: time(campaign.endsAt), scoredAt: campaign.scoredAt.map(time),
            state: campaign.state.rawValue, demo: campaign.isDemo ? true : nil, scoringPolicy: campaign.scoringPolicy,
            office: campaign.office.isEmpty ? nil : campaign.office))

        try writer.beginList(.findings)
        var start = 0
        while start < ordered.count {
            let page = Array(ordered[start..<min(start + findingPage, ordered.count)])
            start += page.count
            let found = try await rows(FindingRow.self, from: Finding.schema, where: "id", in: page, on: sql)
            let reports = try await rows(ReportRow.self, from: RemediationReport.schema, where: "finding_id", in: page, on: sql)
            let retests = try await rows(RetestRow.self, from: Retest.schema, where: "report_id", in: reports.map(\.id), on: sql)
            let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
            let reportsOf = Dictionary(grouping: reports, by: \.findingId)
            // A report's verdict is its latest retest.
            let verdict = Dictionary(grouping: retests, by: \.reportId).compactMapValues { $0.max { $0.decidedAt < $1.decidedAt } }
            for findingID in page {
                guard let f = byID[findingID] else { continue }
                try writer.entry(CampaignBundle.Finding(
                    code: f.code, unit: unitCode[f.unitId] ?? "", asset: f.assetId.flatMap { assetCode[$0] },
                    team: teamCode[f.teamId] ?? "", kind: f.kind, severity: f.severity, type: f.type,
                    weakPassword: f.weakPassword, sensitiveRecords: f.sensitiveRecords, title: f.title,
                    description: f.description, reproduction: f.reproduction, url: f.url, shellPaths: JSONText.strings(f.shellPaths),
                    status: f.status, duplicateOf: f.duplicateOfId.flatMap { findingCode[$0] },
                    reviewNote: f.reviewNote, submittedAt: time(f.submittedAt), verifiedAt: f.verifiedAt.map(time),
                    notifiedAt: f.notifiedAt.map(time),
                    remediations: (reportsOf[f.id] ?? []).sorted { $0.submittedAt < $1.submittedAt }.map { r in
                        let retest = verdict[r.id]
                        return .init(submittedAt: time(r.submittedAt), description: r.description,
                                     shellsDeleted: JSONText.strings(r.shellsDeleted), retest: retest?.result,
                                     retestReason: retest?.reason, retestedAt: retest.map { time($0.decidedAt) })
                    }))
            }
        }
        try writer.endList()
        try writer.member(.format, CampaignBundle.formatName)

        let byNotice = Dictionary(grouping: keys.filter { $0.noticeId != nil }, by: { $0.noticeId! })
        try writer.member(.notices, notices.sorted { $0.code < $1.code }.map { n in
            CampaignBundle.Notice(code: n.code, unit: unitCode[n.$unit.id] ?? "", issuedAt: time(n.issuedAt),
                                  findings: (byNotice[n.id!] ?? []).map(\.code).sorted(),
                                  signedAt: n.signedAt.map(time), signedBy: n.signedAt == nil ? nil : n.signedByName)
        })
        try writer.member(.teams, teamLinks.sorted { $0.team.code < $1.team.code }.map { link in
            CampaignBundle.Team(code: link.team.code, name: link.team.name, company: link.team.company, state: link.state.rawValue)
        })
        try writer.member(.units, units.sorted { $0.code < $1.code }.map { u in
            CampaignBundle.Unit(
                code: u.code, name: u.name, category: u.category, group: u.group.rawValue,
                parent: u.$parent.id.flatMap { unitCode[$0] ?? u.parent?.code }, note: u.note,
                liaisons: (liaisonsOf[u.id!] ?? []).sorted { $0.position < $1.position }
                    .map { .init(name: $0.name, phone: $0.phone, officePhone: $0.officePhone, email: $0.email) })
        })
        try writer.end()
    }
}
