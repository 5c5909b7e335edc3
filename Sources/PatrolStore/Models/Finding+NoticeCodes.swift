import FluentKit
import Foundation
import SQLKit

extension Finding {
    /// The codes of the findings each notice carries, in code order, read as one column: a page of
    /// a hundred notices holds thousands of findings, and the API list names them only by code.
    public static func codesByNotice(_ notices: [UUID], on db: any Database) async throws -> [UUID: [String]] {
        guard !notices.isEmpty else { return [:] }
        let sql = db as! any SQLDatabase
        struct Row: Decodable { var notice_id: UUID; var code: String }
        let rows = try await sql.select().column("notice_id").column("code").from(Finding.schema)
            .where("notice_id", .in, notices).orderBy("code").all(decoding: Row.self)
        return Dictionary(grouping: rows, by: \.notice_id).mapValues { $0.map(\.code) }
    }
}
