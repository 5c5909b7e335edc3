import FluentKit
import Foundation
import SQLKit

extension QueryBuilder where Model.IDValue == UUID {
    /// Orders by `key` (a time, a code) then id, and starts after the row `id` in that order
    /// (keyset pagination). The comparison is a row value against the cursor row's own stored
    /// columns, so a stored time is compared with itself, exactly, and a code in the database's own
    /// collation, on SQLite and PostgreSQL alike.
    public func keyset<Value>(by key: KeyPath<Model, FieldProperty<Model, Value>>, after id: UUID?) -> Self {
        let column = Model.path(for: key).map(\.description).joined(separator: "_")
        let table = Model.schemaOrAlias
        sort(key).sort(.id)
        guard let id else { return self }
        return filter(.custom(SQLQueryString("""
            (\(ident: table).\(ident: column), \(ident: table).\(ident: "id")) > \
            (SELECT \(ident: column), \(ident: "id") FROM \(ident: table) WHERE \(ident: "id") = \(bind: id))
            """)))
    }
}
