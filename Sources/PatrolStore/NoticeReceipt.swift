import FluentKit
import Foundation
import SQLKit

/// Signing for a notice (签收, issue 21, item 2): once, by the unit's liaison (the access policy's
/// `signNotice` decides who), recorded with name and time and audited in the same transaction.
/// The conditional update makes it once under any concurrency: of two liaisons pressing at the
/// same instant one signs and the other sees that it was signed.
public enum NoticeReceipt {
    /// Signs the notice unless it is signed already; true when this call signed it. Either way the
    /// model holds the receipt as stored afterwards (the first signer's, when someone was quicker).
    @discardableResult
    public static func sign(_ notice: Notice, by userID: UUID, name: String, now: Date = Date(),
                            context: AuditContext, on db: any Database) async throws -> Bool {
        let id = try notice.requireID()
        return try await db.transaction { db in
            let sql = db as! any SQLDatabase
            let signed = try await sql.update(Notice.schema)
                .set("signed_at", to: now).set("signed_by_id", to: userID).set("signed_by_name", to: name)
                .where("id", .equal, id).where("signed_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !signed.isEmpty else {
                struct Stored: Decodable { var signed_at: Date?; var signed_by_id: UUID?; var signed_by_name: String? }
                let stored = try await sql.select().columns("signed_at", "signed_by_id", "signed_by_name").from(Notice.schema)
                    .where("id", .equal, id).first(decoding: Stored.self)
                notice.signedAt = stored?.signed_at
                notice.signedByID = stored?.signed_by_id
                notice.signedByName = stored?.signed_by_name
                return false
            }
            try await AuditLog.append(on: db, context, action: "notice.sign", objectType: "notice", objectID: notice.code,
                                      details: ["signer": name])
            notice.signedAt = now
            notice.signedByID = userID
            notice.signedByName = name
            return true
        }
    }
}
