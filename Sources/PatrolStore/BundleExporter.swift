import FluentKit
import Foundation
import PatrolCore

/// Reads a campaign back into its bundle, in canonical order (records by code, times in the
/// campaign's zone), so export → import → export gives the same document.
public enum BundleExporter {
    public struct NotFound: Error, CustomStringConvertible {
        public var code: String
        public var description: String { "campaign \"\(code)\" does not exist" }
    }

    public static func export(campaignCode: String, on db: any Database) async throws -> CampaignBundle {
        guard let campaign = try await Campaign.query(on: db).filter(\.$code == campaignCode).first() else {
            throw NotFound(code: campaignCode)
        }
        let id = try campaign.requireID()
        let tz = campaign.zone
        func time(_ d: Date) -> String { BundleDate.format(d, in: tz) }

        let units = try await campaign.$units.query(on: db).with(\.$liaisons).with(\.$parent).all()
        let unitCode = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.code) })
        let teamLinks = try await CampaignTeam.query(on: db).filter(\.$campaign.$id == id).with(\.$team).all()
        let teamCode = Dictionary(uniqueKeysWithValues: teamLinks.map { ($0.team.id!, $0.team.code) })
        let assets = try await Asset.query(on: db).filter(\.$campaign.$id == id).all()
        let assetCode = Dictionary(uniqueKeysWithValues: assets.map { ($0.id!, $0.code) })
        let notices = try await Notice.query(on: db).filter(\.$campaign.$id == id).all()
        let findings = try await Finding.query(on: db).filter(\.$campaign.$id == id)
            .with(\.$reports) { $0.with(\.$retests) }.all()
        let findingCode = Dictionary(uniqueKeysWithValues: findings.map { ($0.id!, $0.code) })

        var bundle = CampaignBundle(campaign: .init(
            code: campaign.code, name: campaign.name, timeZone: campaign.timeZone,
            startsAt: time(campaign.startsAt), endsAt: time(campaign.endsAt), scoredAt: campaign.scoredAt.map(time),
            state: campaign.state.rawValue, demo: campaign.isDemo ? true : nil, scoringPolicy: campaign.scoringPolicy,
            office: campaign.office.isEmpty ? nil : campaign.office))

        bundle.units = units.sorted { $0.code < $1.code }.map { u in
            .init(code: u.code, name: u.name, category: u.category, group: u.group.rawValue,
                  parent: u.$parent.id.flatMap { unitCode[$0] ?? u.parent?.code }, note: u.note,
                  liaisons: u.liaisons.sorted { $0.position < $1.position }.map { .init(name: $0.name, phone: $0.phone, officePhone: $0.officePhone, email: $0.email) })
        }
        bundle.assets = assets.sorted { $0.code < $1.code }.map { a in
            .init(code: a.code, unit: unitCode[a.$unit.id] ?? "", kind: a.kind.rawValue, target: a.target,
                  ports: a.ports, origin: a.origin.rawValue, note: a.note, internalNetwork: a.internalNetwork ? true : nil,
                  review: a.review == .approved ? nil : a.review.rawValue, reviewReason: a.reviewReason)
        }
        bundle.teams = teamLinks.sorted { $0.team.code < $1.team.code }.map { link in
            .init(code: link.team.code, name: link.team.name, company: link.team.company, state: link.state.rawValue)
        }
        bundle.findings = findings.sorted { $0.code < $1.code }.map { f in
            let reports = f.reports.sorted { $0.submittedAt < $1.submittedAt }
            return .init(
                code: f.code, unit: unitCode[f.$unit.id] ?? "", asset: f.$asset.id.flatMap { assetCode[$0] },
                team: teamCode[f.$team.id] ?? "", kind: f.kind.rawValue, severity: f.severity?.rawValue, type: f.type,
                weakPassword: f.weakPassword, sensitiveRecords: f.sensitiveRecords, title: f.title,
                description: f.description, reproduction: f.reproduction, url: f.url, shellPaths: f.shellPaths,
                status: f.status.rawValue, duplicateOf: f.$duplicateOf.id.flatMap { findingCode[$0] },
                reviewNote: f.reviewNote, submittedAt: time(f.submittedAt), verifiedAt: f.verifiedAt.map(time),
                notifiedAt: f.notifiedAt.map(time),
                remediations: reports.map { r in
                    let retest = r.latestRetest
                    return .init(submittedAt: time(r.submittedAt), description: r.description,
                                 shellsDeleted: r.shellsDeleted, retest: retest?.result.rawValue,
                                 retestReason: retest?.reason, retestedAt: retest.map { time($0.decidedAt) })
                })
        }
        let byNotice = Dictionary(grouping: findings.filter { $0.$notice.id != nil }, by: { $0.$notice.id! })
        bundle.notices = notices.sorted { $0.code < $1.code }.map { n in
            .init(code: n.code, unit: unitCode[n.$unit.id] ?? "", issuedAt: time(n.issuedAt),
                  findings: (byNotice[n.id!] ?? []).map(\.code).sorted())
        }
        return bundle
    }
}
