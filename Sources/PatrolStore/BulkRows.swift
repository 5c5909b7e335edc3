import FluentKit
import Foundation
import SQLKit

/// Rows of one model's table written through SQLKit as multi-row INSERTs under the bind limits.
///
/// A bundle import writes hundreds of thousands of rows; Fluent's `create` reflects over every
/// property of every instance (Mirror) and touches its timestamps the same way, which was a quarter
/// of a 200,000-finding import. The model stays the schema: the rows must name exactly the model's
/// columns, checked once per table, so a column added to the model and forgotten here stops the
/// import at once instead of writing NULLs.
struct BulkRows<M: Model> {
    private let columns: [String]
    private var rows: [[any SQLExpression]] = []

    init(_ columns: [FieldKey]) {
        let names = columns.map(\.description)
        precondition(Set(names) == Set(M.keys.map(\.description)) && names.count == Set(names).count,
                     "bulk rows for \(M.schema) name \(names.sorted()), the model has \(M.keys.map(\.description).sorted())")
        self.columns = names
    }

    var isEmpty: Bool { rows.isEmpty }

    /// One row, its values in the order of the columns; nil is NULL.
    mutating func append(_ values: [(any Encodable & Sendable)?]) {
        precondition(values.count == columns.count, "a row of \(M.schema) has \(values.count) values for \(columns.count) columns")
        rows.append(values.map { value in value.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null })
    }

    /// Writes the rows held so far, in order, and lets them go.
    mutating func write(on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let perStatement = Swift.max(1, [M].bindsPerStatement / columns.count)
        var start = 0
        while start < rows.count {
            let end = Swift.min(start + perStatement, rows.count)
            let insert = sql.insert(into: M.schema).columns(columns)
            for row in rows[start..<end] { insert.values(row) }
            try await insert.run()
            start = end
        }
        rows.removeAll(keepingCapacity: true)
    }
}
