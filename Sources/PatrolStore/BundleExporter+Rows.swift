import FluentKit
import Foundation
import SQLKit

/// The rows an export reads, as plain values decoded straight from SQL: Fluent's models decode
/// every column through reflection and its eager loader matches children to parents by scanning
/// every child for every parent, which made a 200,000-finding export take minutes and gigabytes.
/// Column names are spelled in each row's coding keys: SQLKit's snake-case key strategy converts
/// every key of every row again, a fifth of an export.
extension BundleExporter {
    struct FindingKey: Decodable {
        var id: UUID
        var code: String
        var noticeId: UUID?

        enum CodingKeys: String, CodingKey {
            case id, code, noticeId = "notice_id"
        }
    }

    struct AssetRow: Decodable {
        var code: String
        var unitId: UUID
        var kind: String
        var target: String
        var ports: String?
        var origin: String
        var note: String?
        var internalNetwork: Bool
        var review: String
        var reviewReason: String?

        enum CodingKeys: String, CodingKey {
            case code, unitId = "unit_id", kind, target, ports, origin, note, internalNetwork = "internal_network"
            case review, reviewReason = "review_reason"
        }
    }

    struct FindingRow: Decodable {
        var id: UUID
        var code: String
        var unitId: UUID
        var assetId: UUID?
        var teamId: UUID
        var kind: String
        var severity: String?
        var type: String?
        var title: String
        var description: String?
        var reproduction: String?
        var url: String?
        var shellPaths: String
        var weakPassword: Bool
        var sensitiveRecords: Int
        var status: String
        var duplicateOfId: UUID?
        var reviewNote: String?
        var submittedAt: Date
        var verifiedAt: Date?
        var notifiedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, code, unitId = "unit_id", assetId = "asset_id", teamId = "team_id", kind, severity, type, title
            case description, reproduction, url, shellPaths = "shell_paths", weakPassword = "weak_password"
            case sensitiveRecords = "sensitive_records", status, duplicateOfId = "duplicate_of_id"
            case reviewNote = "review_note", submittedAt = "submitted_at", verifiedAt = "verified_at"
            case notifiedAt = "notified_at"
        }
    }

    struct ReportRow: Decodable {
        var id: UUID
        var findingId: UUID
        var submittedAt: Date
        var description: String?
        var shellsDeleted: String

        enum CodingKeys: String, CodingKey {
            case id, findingId = "finding_id", submittedAt = "submitted_at", description
            case shellsDeleted = "shells_deleted"
        }
    }

    struct RetestRow: Decodable {
        var reportId: UUID
        var result: String
        var reason: String?
        var decidedAt: Date

        enum CodingKeys: String, CodingKey {
            case reportId = "report_id", result, reason, decidedAt = "decided_at"
        }
    }

    /// The rows of `table` where `column` is `value`, or is one of `values`, decoded as `Row`.
    static func rows<Row: Decodable>(_: Row.Type, from table: String, where column: String, in values: [UUID],
                                     on sql: any SQLDatabase) async throws -> [Row] {
        guard !values.isEmpty else { return [] }
        return try await sql.select().column(SQLLiteral.all).from(table)
            .where(SQLIdentifier(column), .in, SQLGroupExpression(values.map { SQLBind($0) }))
            .all(decoding: Row.self)
    }
}
