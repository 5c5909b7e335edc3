import FluentKit
import Foundation
import SQLKit

extension QueryBuilder where Model.IDValue == UUID {
    /// Orders by `time` then id, and starts after the row `id` in that order (keyset pagination).
    /// The comparison is a row value against the cursor row's own stored columns, so the stored
    /// time is compared with itself, exactly, on SQLite and PostgreSQL alike.
    public func keyset(by time: KeyPath<Model, FieldProperty<Model, Date>>, after id: UUID?) -> Self {
        let column = Model.path(for: time).map(\.description).joined(separator: "_")
        let table = Model.schemaOrAlias
        sort(time).sort(.id)
        guard let id else { return self }
        return filter(.custom(SQLQueryString("""
            (\(ident: table).\(ident: column), \(ident: table).\(ident: "id")) > \
            (SELECT \(ident: column), \(ident: "id") FROM \(ident: table) WHERE \(ident: "id") = \(bind: id))
            """)))
    }
}
