import FluentKit

extension Array where Element: Model {
    /// Bound values per statement, under both engines' limits: SQLite's build allows 250,000 (or
    /// 32,766 by default), PostgreSQL's protocol 65,535. One multi-row INSERT for a whole list
    /// failed past a few thousand findings ("variable number must be between ?1 and ?250000", a bare
    /// PSQLError); a batch of a thousand rows or so costs no more per row than one statement.
    static var bindsPerStatement: Int { 30_000 }

    /// Inserts the models in as few statements as the bind limits allow, in order.
    func createInBatches(on db: any Database) async throws {
        let rows = Swift.max(1, Self.bindsPerStatement / Swift.max(1, Element.keys.count))
        var start = startIndex
        while start < endIndex {
            let end = Swift.min(start + rows, endIndex)
            try await Array(self[start..<end]).create(on: db)
            start = end
        }
    }
}
