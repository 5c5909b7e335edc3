import FluentKit
import Foundation
import SQLKit

extension Liaison {
    /// How many liaisons each of `unitIDs` has, counted by the database in one grouped query.
    public static func countsByUnit(_ unitIDs: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !unitIDs.isEmpty else { return [:] }
        guard let sql = db as? any SQLDatabase else {
            let ids = try await Liaison.query(on: db).filter(\.$unit.$id ~~ unitIDs).all(\.$unit.$id)
            return Dictionary(grouping: ids, by: { $0 }).mapValues(\.count)
        }
        return try await sql.select()
            .column(SQLAlias(SQLIdentifier("unit_id"), as: SQLIdentifier("id"))).column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(Liaison.schema).where("unit_id", .in, unitIDs).groupBy("unit_id")
            .all(decoding: CountRow.self).countsByKey
    }
}
