import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// Reads what the scoring engine needs for one campaign in four set-based queries (units, asset
/// counts, findings, reports with their retests): no query per unit or per finding.
public enum ScoringData {
    public static func input(for campaign: Campaign, at: Date? = nil, now: Date = Date(),
                             on db: any Database) async throws -> ScoringInput {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let id = try campaign.requireID()

        struct UnitRow: Decodable { var code: String; var name: String; var group: String }
        let unitRows = try await sql.raw("""
            SELECT u.code AS code, u.name AS name, u.\(ident: "group") AS \(ident: "group")
            FROM campaign_units cu JOIN units u ON u.id = cu.unit_id
            WHERE cu.campaign_id = \(bind: id)
            """).all(decoding: UnitRow.self)

        struct CountRow: Decodable { var code: String; var n: Int }
        let counts = try await sql.raw("""
            SELECT u.code AS code, COUNT(*) AS n
            FROM assets a JOIN units u ON u.id = a.unit_id
            WHERE a.campaign_id = \(bind: id) AND a.review = \(bind: AssetReview.approved.rawValue)
            GROUP BY u.code
            """).all(decoding: CountRow.self)
        let assetCount = Dictionary(counts.map { ($0.code, $0.n) }, uniquingKeysWith: +)

        struct FindingRow: Decodable {
            var code: String, unit: String, kind: String, severity: String?
            var weak_password: Bool, sensitive_records: Int, status: String, notified_at: Date?
        }
        let findingRows = try await sql.raw("""
            SELECT f.code AS code, u.code AS unit, f.kind AS kind, f.severity AS severity,
                   f.weak_password AS weak_password, f.sensitive_records AS sensitive_records,
                   f.status AS status, f.notified_at AS notified_at
            FROM findings f JOIN units u ON u.id = f.unit_id
            WHERE f.campaign_id = \(bind: id)
            """).all(decoding: FindingRow.self)

        struct ReportRow: Decodable {
            var finding: String, submitted_at: Date, result: String?, decided_at: Date?
        }
        let reportRows = try await sql.raw("""
            SELECT f.code AS finding, r.submitted_at AS submitted_at, t.result AS result, t.decided_at AS decided_at
            FROM remediation_reports r
            JOIN findings f ON f.id = r.finding_id
            LEFT JOIN retests t ON t.report_id = r.id
            WHERE f.campaign_id = \(bind: id)
            """).all(decoding: ReportRow.self)

        // A report's verdict is its latest retest.
        var reportsByFinding: [String: [(at: Date, result: RetestResult?, decided: Date?)]] = [:]
        for r in reportRows {
            let result = r.result.flatMap(RetestResult.init(rawValue:))
            var list = reportsByFinding[r.finding, default: []]
            if let i = list.firstIndex(where: { $0.at == r.submitted_at }), let d = r.decided_at {
                if list[i].decided == nil || d > list[i].decided! { list[i] = (r.submitted_at, result, d) }
            } else {
                list.append((r.submitted_at, result, r.decided_at))
            }
            reportsByFinding[r.finding] = list
        }

        let units = unitRows.map {
            ScoringInput.Unit(code: $0.code, name: $0.name, group: UnitGroup(rawValue: $0.group) ?? .department,
                              assets: assetCount[$0.code] ?? 0)
        }
        let findings = try findingRows.map { f in
            guard let kind = FindingKind(rawValue: f.kind), let status = FindingStatus(rawValue: f.status) else {
                throw StoredValueError(finding: f.code, value: "\(f.kind)/\(f.status)")
            }
            return ScoringInput.Finding(
                code: f.code, unit: f.unit, kind: kind, severity: f.severity.flatMap(Severity.init(rawValue:)),
                weakPassword: f.weak_password, sensitiveRecords: f.sensitive_records, status: status,
                notifiedAt: f.notified_at.map(EpochMillis.init),
                reports: (reportsByFinding[f.code] ?? []).map { .init(submittedAt: EpochMillis($0.at), retest: $0.result) })
        }
        return ScoringInput(policy: campaign.scoringPolicy, at: EpochMillis(at ?? campaign.scoredAt ?? now),
                            units: units, findings: findings)
    }

    /// Scores a campaign as its data stands now.
    public static func sheet(for campaign: Campaign, at: Date? = nil, on db: any Database) async throws -> ScoreSheet {
        try ScoringEngine.score(try await input(for: campaign, at: at, on: db))
    }

    struct StoredValueError: Error, CustomStringConvertible {
        var finding: String, value: String
        var description: String { "finding \(finding): unreadable stored kind/status \(value)" }
    }
}

extension Campaign {
    /// The campaign with this code, if any.
    public static func find(code: String, on db: any Database) async throws -> Campaign? {
        try await Campaign.query(on: db).filter(\.$code == code).first()
    }
}
