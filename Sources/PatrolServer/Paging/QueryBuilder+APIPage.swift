import Fluent
import PatrolStore
import Vapor

extension QueryBuilder where Model.IDValue == UUID {
    /// The page `request` asks for of this list, ordered by `key` then id (keyset), with the
    /// cursor of the next page and the list's total under the same filters. A cursor must name a
    /// row of this list: one that is gone, or never was, is refused rather than answered with an
    /// empty page.
    func apiPage<Value>(_ request: PageRequest, by key: KeyPath<Model, FieldProperty<Model, Value>>)
        async throws -> (rows: [Model], nextCursor: String?, total: Int) {
        let limit = try request.checkedLimit()
        let cursor = try request.checkedCursor()
        let total = try await copy().count()
        if let cursor {
            guard try await copy().filter(\._$id == cursor.id).count() == 1 else { throw PatrolError.invalid("error.page.cursor") }
        }
        let rows = try await keyset(by: key, after: cursor?.id).limit(limit + 1).all()
        let page = Array(rows.prefix(limit))
        return (page, rows.count > limit ? page.last?.id.map { KeysetCursor(id: $0).text } : nil, total)
    }
}
